package jdetr.data.transforms;

import jdetr.data.Example;
import jdetr.data.Sample;

/** DETR's val pipeline: RandomResize([valSize], maxSize) then Normalize. */
public final class ValTransform implements SampleTransform {
  private final AugmentationConfig config;
  private final Normalize normalize;

  public ValTransform(AugmentationConfig config) {
    this.config = config;
    this.normalize = new Normalize(config.mean(), config.std());
  }

  public Sample apply(Example in) {
    return normalize.apply(Resize.apply(in, config.valSize(), config.maxSize()));
  }

  @Override
  public Sample apply(Example in, long seed, long epoch, long index) {
    return apply(in);
  }
}

package jdetr.data.transforms;

import jdetr.data.Example;
import jdetr.data.PixelTarget;
import jdetr.data.Sample;

/**
 * DETR's train pipeline: RandomHorizontalFlip(p), then RandomSelect(p) between
 * RandomResize(scales, maxSize) and [RandomResize(cropResizeSizes), RandomSizeCrop(min, max),
 * RandomResize(scales, maxSize)], then Normalize. Where the reference's crop would fail (an image
 * side below the smallest crop) the crop side is the image side instead.
 */
public final class TrainTransform implements SampleTransform {
  private final AugmentationConfig config;
  private final Normalize normalize;

  public TrainTransform(AugmentationConfig config) {
    this.config = config;
    this.normalize = new Normalize(config.mean(), config.std());
  }

  /** Draws the augmentation of a {@code width x height} image. */
  public Augmentation plan(AugmentationRandom random, int width, int height) {
    boolean flip = random.uniform() < config.flipProbability();
    if (random.uniform() < config.resizeOnlyProbability()) {
      return Augmentation.resize(flip, random.choice(config.scales()));
    }
    int first = random.choice(config.cropResizeSizes());
    int[] hw = ResizeRule.outputSize(width, height, first, ResizeRule.NO_MAX);
    int cropWidth = random.integer(Math.min(config.cropMinSize(), hw[1]),
        Math.min(hw[1], config.cropMaxSize()));
    int cropHeight = random.integer(Math.min(config.cropMinSize(), hw[0]),
        Math.min(hw[0], config.cropMaxSize()));
    int top = 0, left = 0;
    if (cropWidth != hw[1] || cropHeight != hw[0]) {
      top = random.integer(0, hw[0] - cropHeight);
      left = random.integer(0, hw[1] - cropWidth);
    }
    return Augmentation.cropped(flip, first, top, left, cropHeight, cropWidth,
        random.choice(config.scales()));
  }

  /** Applies an augmentation; the result is still in pixels (before Normalize). */
  public Example augment(Example in, Augmentation a) {
    Example x = a.flip() ? HorizontalFlip.apply(in) : in;
    if (!a.resizeOnly()) {
      x = Resize.apply(x, a.cropResizeSize(), ResizeRule.NO_MAX);
      x = Crop.apply(x, a.cropTop(), a.cropLeft(), a.cropHeight(), a.cropWidth());
    }
    return Resize.apply(x, a.size(), config.maxSize());
  }

  /** The target alone through an augmentation of a {@code width x height} image (no pixels). */
  public PixelTarget augmentTarget(PixelTarget in, int width, int height, Augmentation a) {
    PixelTarget t = a.flip() ? HorizontalFlip.target(in, width) : in;
    if (!a.resizeOnly()) {
      int[] hw = ResizeRule.outputSize(width, height, a.cropResizeSize(), ResizeRule.NO_MAX);
      t = Resize.target(t, width, height, hw[1], hw[0]);
      t = Crop.target(t, a.cropTop(), a.cropLeft(), a.cropHeight(), a.cropWidth());
      width = a.cropWidth();
      height = a.cropHeight();
    }
    int[] hw = ResizeRule.outputSize(width, height, a.size(), config.maxSize());
    return Resize.target(t, width, height, hw[1], hw[0]);
  }

  public Sample apply(Example in, Augmentation a) {
    return normalize.apply(augment(in, a));
  }

  @Override
  public Sample apply(Example in, long seed, long epoch, long index) {
    Augmentation a = plan(AugmentationRandom.of(seed, epoch, index), in.image().width(),
        in.image().height());
    return apply(in, a);
  }
}

package jdetr.model;

import ai.djl.ndarray.NDManager;
import jdetr.model.deformable.DeformableDetr;
import jdetr.model.segmentation.DETRsegm;

/**
 * DETR's {@code build_model(args)}: the architecture a config names, built with the reference's
 * random initialisation. The one place that knows every architecture; {@link DetectionTransformer}
 * itself knows none of its subclasses.
 */
public final class ModelBuilder {

  private ModelBuilder() {}

  /**
   * Builds {@link Detr} or {@link DeformableDetr} as {@code config.architecture()} says, DETR
   * wrapped in {@link DETRsegm} when {@code config.masks()} (seed the
   * initialisation with {@code Engine.getInstance().setRandomSeed}); the arrays belong to
   * {@code manager}.
   */
  public static DetectionTransformer build(DetrConfig config, NDManager manager) {
    if (config.isDeformable()) {
      return DeformableDetr.create(config, manager);
    }
    return config.masks() ? DETRsegm.create(config, manager) : Detr.create(config, manager);
  }
}

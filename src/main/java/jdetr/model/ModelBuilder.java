package jdetr.model;

import ai.djl.ndarray.NDManager;
import jdetr.model.deformable.DeformableDetr;

/**
 * DETR's {@code build_model(args)}: the architecture a config names, built with the reference's
 * random initialisation. The one place that knows every architecture; {@link DetectionTransformer}
 * itself knows none of its subclasses.
 */
public final class ModelBuilder {

  private ModelBuilder() {}

  /**
   * Builds {@link Detr} or {@link DeformableDetr} as {@code config.architecture()} says (seed the
   * initialisation with {@code Engine.getInstance().setRandomSeed}); the arrays belong to
   * {@code manager}.
   */
  public static DetectionTransformer build(DetrConfig config, NDManager manager) {
    return config.isDeformable() ? DeformableDetr.create(config, manager)
        : Detr.create(config, manager);
  }
}

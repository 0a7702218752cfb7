package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;
import jdetr.model.deformable.DeformableDetr;
import jdetr.model.deformable.DenoisingQueries;
import jdetr.model.nn.TorchBlock;

/**
 * A set-prediction detector of the DETR family: images and padding mask in, per decoder layer a
 * fixed set of class logits and normalised boxes out. {@link Detr} and {@link DeformableDetr}; the
 * training, evaluation and serving code works on this type, the config tells which one it is.
 */
public abstract class DetectionTransformer extends TorchBlock {

  /**
   * Builds the model {@code config.architecture()} names with the reference's random
   * initialisation (seed it with {@code Engine.getInstance().setRandomSeed}); the arrays belong to
   * {@code manager}.
   */
  public static DetectionTransformer create(DetrConfig config, NDManager manager) {
    return config.isDeformable() ? DeformableDetr.create(config, manager)
        : Detr.create(config, manager);
  }

  public abstract DetrConfig config();

  /**
   * @param images [B, 3, H, W] float, normalized, zero-padded to a common size
   * @param mask [B, H, W] boolean, true = padding
   * @param training dropout active
   * @return every decoder layer's logits [L, B, Q, K] and boxes [L, B, Q, 4]
   */
  public abstract DetrOutput forward(NDArray images, NDArray mask, boolean training);

  /**
   * A training forward that also runs denoising queries; only two-stage Deformable DETR built with
   * {@code denoising} takes them. Without queries (null, or none because no image has a target)
   * this is {@code forward(images, mask, true)}.
   */
  public DetrOutput forward(NDArray images, NDArray mask, DenoisingQueries dn) {
    if (dn != null && dn.perImage() > 0) {
      throw new UnsupportedOperationException(
          "denoising queries need two-stage Deformable DETR with denoising");
    }
    return forward(images, mask, true);
  }

  /**
   * Loads a reference-named state dict (an official checkpoint's {@code model} entry, or our own
   * weights) after checking every name and shape.
   *
   * @param allowClassHeadReset when the class head is absent or has another class count,
   *     re-initialize it as the reference would and log it, instead of failing
   */
  public abstract StateDict.LoadReport loadStateDict(Map<String, NDArray> state,
      boolean allowClassHeadReset);

  /** The live parameter and buffer arrays by state_dict name. */
  public Map<String, NDArray> stateDict() {
    return StateDict.of(this);
  }

  /** The backbone with its position embedding ({@code backbone.0}, {@code backbone.1}). */
  public abstract Joiner backbone();
}

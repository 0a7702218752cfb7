package jdetr.model;

import ai.djl.ndarray.NDArray;
import java.util.Map;
import jdetr.model.nn.TorchBlock;

/**
 * A set-prediction detector of the DETR family: images and padding mask in, per decoder layer a
 * fixed set of class logits and normalised boxes out. {@link Detr} and Deformable DETR, built by
 * {@link ModelBuilder}; the training, evaluation and serving code works on this type, the config
 * tells which one it is.
 */
public abstract class DetectionTransformer extends TorchBlock {

  public abstract DetrConfig config();

  /**
   * @param images [B, 3, H, W] float, normalized, zero-padded to a common size
   * @param mask [B, H, W] boolean, true = padding
   * @param training dropout active
   * @return every decoder layer's logits [L, B, Q, K] and boxes [L, B, Q, 4]
   */
  public abstract DetrOutput forward(NDArray images, NDArray mask, boolean training);

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

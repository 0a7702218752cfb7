package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import java.util.Set;
import jdetr.model.nn.Bfloat16;
import jdetr.model.nn.TorchBlock;

/**
 * Turns a loaded DETR into an inference model of another floating-point type (bfloat16): the
 * backbone's convolutions and, for DETR, the transformer's parameters are converted in place; the
 * batch-norm statistics stay float32 (FrozenBatchNorm2d's scale and shift are folded in float32,
 * then cast to the activations' type) and so do the class and box heads, which run on the decoder
 * output cast back to float32. Deformable DETR casts its backbone only: its sampler, reference
 * points and input projections run in float32 on the feature maps cast back. The backbone casts
 * the images to its type, so callers pass and receive float32 either way. Never for training: the
 * cast model has no float32 master weights. Both types first fold the backbone's
 * FrozenBatchNorm2d into its convolutions ({@link BatchNormFolding}).
 */
public final class InferenceCast {

  /** Children of {@link Detr} that stay float32: the heads. */
  private static final Set<String> FLOAT32_HEADS = Set.of("class_embed", "bbox_embed");

  private InferenceCast() {}

  /**
   * Prepares {@code model} for inference: folds its frozen batch norms, then converts its
   * parameters to {@code type} (no conversion for float32).
   *
   * @return how many parameters were converted
   * @throws IllegalArgumentException for DETRsegm (its mask head is float32 only)
   */
  public static int apply(DetectionTransformer model, DataType type) {
    requireSupported(model.config(), type);
    BatchNormFolding.apply(model, type); // in float32, before the cast
    if (type == DataType.FLOAT32) {
      return 0;
    }
    int n = 0;
    for (var e : model.namedChildren().entrySet()) {
      boolean cast = model.config().isDeformable() ? e.getKey().equals("backbone")
          : !FLOAT32_HEADS.contains(e.getKey());
      if (cast) {
        n += convert(e.getValue(), type);
      }
    }
    return n;
  }

  /** Refuses a type other than float32/bfloat16, and bfloat16 for the mask head. */
  public static void requireSupported(DetrConfig config, DataType type) {
    if (type != DataType.FLOAT32 && type != DataType.BFLOAT16) {
      throw new IllegalArgumentException("inference type must be float32 or bfloat16, got " + type);
    }
    if (type == DataType.BFLOAT16 && config.masks()) {
      throw new IllegalArgumentException("bf16 inference is implemented for DETR's boxes only, not"
          + " for the mask head (DETRsegm)");
    }
  }

  private static int convert(TorchBlock block, DataType type) {
    if (block instanceof Norm2d) {
      return 0; // float32 statistics, applied to bfloat16 activations
    }
    int n = 0;
    for (Parameter p : block.getDirectParameters().values()) {
      if (p.getArray().getDataType() == DataType.FLOAT32) {
        replace(p, type);
        n++;
      }
    }
    for (TorchBlock child : block.namedChildren().values()) {
      n += convert(child, type);
    }
    return n;
  }

  /** Swaps the parameter's array for a converted copy on the same manager (the old one is closed). */
  private static void replace(Parameter p, DataType type) {
    NDArray old = p.getArray();
    NDManager manager = old.getManager();
    NDArray inference = Bfloat16.of(old); // an inference-mode tensor: no gradient flag allowed
    NDArray converted = inference.duplicate(); // a clone outside inference mode: a plain tensor
    inference.close();
    Initializer init = p.getInitializer();
    p.setInitializer((m, shape, t) -> converted);
    p.close();
    p.initialize(manager, type);
    p.setInitializer(init);
  }
}

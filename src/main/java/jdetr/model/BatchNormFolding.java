package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import jdetr.model.nn.Bfloat16;
import jdetr.model.nn.Conv2d;

/**
 * An inference model's backbone convolutions with their FrozenBatchNorm2d folded in: conv(x, w)
 * then x * scale + shift is conv(x, w * scale[:, None, None, None]) + shift, with scale and shift
 * computed as FrozenBatchNorm2d computes them (float32, eps 1e-5). The folded weights are copies
 * held next to the modules, which keep their parameters and buffers untouched: a forward with
 * {@code training} true, and every state dict, still go through the unfolded modules. A trained
 * BatchNorm2d ({@code backbone_norm: batch}) is not folded: its statistics belong to training.
 */
public final class BatchNormFolding {

  private BatchNormFolding() {}

  /**
   * Folds the FrozenBatchNorm2d of {@code model}'s ResNet into its convolutions, the folded
   * weights in {@code type} (float32 or bfloat16). Called once per inference model, before its
   * parameters are cast; a second call only casts the folded weights to {@code type}.
   *
   * @return how many convolutions run folded
   */
  public static int apply(DetectionTransformer model, DataType type) {
    return model.backbone().backbone().body().fold(type);
  }

  /**
   * {@code conv} followed by {@code norm} as one convolution, or null when {@code norm} is not a
   * FrozenBatchNorm2d. The weights are computed in float32 then cast to {@code type}.
   */
  static Folded fold(Conv2d conv, Norm2d norm, DataType type) {
    if (!(norm instanceof FrozenBatchNorm2d frozen)) {
      return null;
    }
    NDArray w = conv.weight(); // [out, in, k, k]
    if (w.getDataType() != DataType.FLOAT32 || conv.hasBias()) {
      throw new IllegalStateException("batch norm folding takes a float32 convolution without"
          + " bias, got " + w.getDataType() + (conv.hasBias() ? " with bias" : ""));
    }
    NDManager owner = w.getManager();
    try (NDManager scope = owner.newSubManager()) {
      NDArray like = scope.zeros(new Shape(1));
      NDList scaleShift = frozen.scaleAndShift(like, -1); // [out] each, float32
      NDArray detached = w.stopGradient(); // shares the parameter's storage
      detached.attach(scope);
      NDArray weight = detached.mul(scaleShift.get(0).reshape(-1, 1, 1, 1));
      NDArray bias = scaleShift.get(1).stopGradient();
      Folded f = new Folded(conv, keep(weight, owner), keep(bias, owner));
      return f.to(type);
    }
  }

  private static NDArray keep(NDArray a, NDManager owner) {
    a.attach(owner);
    return a;
  }

  /** A convolution with its norm folded in: weight [out, in, k, k], bias [out]. */
  static final class Folded {
    private final Conv2d conv;
    private NDArray weight;
    private NDArray bias;

    private Folded(Conv2d conv, NDArray weight, NDArray bias) {
      this.conv = conv;
      this.weight = weight;
      this.bias = bias;
    }

    /** x [B, Cin, H, W] -> [B, Cout, H', W'], the same as norm(conv(x)) for inference. */
    NDArray forward(NDArray x) {
      return conv.forward(x, weight, bias);
    }

    /** Casts the weights to {@code type} (bfloat16: channels-last as the cast parameters). */
    Folded to(DataType type) {
      if (type == DataType.BFLOAT16) {
        weight = replace(weight, Bfloat16.of(weight));
        bias = replace(bias, Bfloat16.of(bias));
      } else if (type != DataType.FLOAT32) {
        throw new IllegalArgumentException("folded weights are float32 or bfloat16, got " + type);
      }
      return this;
    }

    private static NDArray replace(NDArray old, NDArray converted) {
      if (converted != old) {
        converted.attach(old.getManager());
        old.close();
      }
      return converted;
    }
  }
}

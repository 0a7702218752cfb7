package jdetr.model.deformable;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import jdetr.model.nn.Conv2d;
import jdetr.model.nn.GroupNorm;
import jdetr.model.nn.TorchBlock;
import jdetr.model.nn.TorchInit;

/**
 * The projection of one feature level to the transformer width: a convolution (1x1 on a backbone
 * stage; 3x3 stride 2 padding 1 for an extra level built from the level below) followed by
 * GroupNorm(32). The reference's {@code nn.Sequential(conv, norm)}: children {@code 0} and
 * {@code 1}; the convolution is Xavier-uniform with zero bias.
 */
public final class InputProjection extends TorchBlock {

  private final Conv2d conv;
  private final GroupNorm norm;

  private InputProjection(long in, long out, int kernel, int stride, int padding,
      boolean trainable) {
    conv = child("0", new Conv2d(in, out, kernel, stride, padding, 1, true,
        TorchInit.xavierUniform(), TorchInit.constant(0f), trainable));
    norm = child("1", new GroupNorm(32, out, trainable));
  }

  /** A backbone stage's projection: 1x1 convolution. */
  public static InputProjection pointwise(long in, long out, boolean trainable) {
    return new InputProjection(in, out, 1, 1, 0, trainable);
  }

  /** An extra level: 3x3 convolution with stride 2 on the previous (coarser) map. */
  public static InputProjection downsampling(long in, long out, boolean trainable) {
    return new InputProjection(in, out, 3, 2, 1, trainable);
  }

  /** [B, C_in, H, W] -> [B, C, H', W']. */
  public NDArray forward(NDArray x) {
    return norm.forward(conv.forward(x));
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    return new NDList(forward(inputs.singletonOrThrow()));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return norm.getOutputShapes(conv.getOutputShapes(inputShapes));
  }
}

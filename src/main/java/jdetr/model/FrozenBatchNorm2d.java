package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import jdetr.autograd.GraphSafe;
import jdetr.model.nn.Bfloat16;
import jdetr.model.nn.TorchInit;

/**
 * BatchNorm2d with fixed statistics and affine parameters, all four held as buffers (never
 * trained): y = x * scale + shift with scale = weight * rsqrt(running_var + 1e-5) and
 * shift = bias - running_mean * scale. The eps sits inside the rsqrt as in DETR.
 */
public final class FrozenBatchNorm2d extends Norm2d {

  private static final float EPS = 1e-5f;
  private final long channels;
  private final Parameter weight;
  private final Parameter bias;
  private final Parameter runningMean;
  private final Parameter runningVar;

  public FrozenBatchNorm2d(long channels) {
    this.channels = channels;
    Shape s = new Shape(channels);
    weight = param("weight", Parameter.Type.OTHER, s, TorchInit.constant(1f), false);
    bias = param("bias", Parameter.Type.OTHER, s, TorchInit.constant(0f), false);
    runningMean = param("running_mean", Parameter.Type.RUNNING_MEAN, s, TorchInit.constant(0f), false);
    runningVar = param("running_var", Parameter.Type.RUNNING_VAR, s, TorchInit.constant(1f), false);
  }

  /** x [B, C, H, W] -> [B, C, H, W]; the same in training. */
  @Override
  public NDArray forward(NDArray x, boolean training) {
    return forward(x);
  }

  /** x [B, C, H, W] -> [B, C, H, W]. */
  public NDArray forward(NDArray x) {
    NDList scaleShift = scaleAndShift(x, 1, -1, 1, 1); // [1, C, 1, 1] each
    // folded in float32; cast to a bfloat16 inference model's activations (a no-op otherwise)
    return x.mul(Bfloat16.like(scaleShift.get(0), x)).add(Bfloat16.like(scaleShift.get(1), x));
  }

  /**
   * scale = weight * rsqrt(running_var + eps) and shift = bias - running_mean * scale, float32,
   * reshaped to {@code shape}, on the manager of {@code like}.
   */
  NDList scaleAndShift(NDArray like, long... shape) {
    NDArray w = perChannel(like, weight, shape);
    NDArray b = perChannel(like, bias, shape);
    NDArray rv = perChannel(like, runningVar, shape);
    NDArray rm = perChannel(like, runningMean, shape);
    NDArray scale = w.mul(GraphSafe.pow(rv.add(EPS), -0.5f)); // pow(-0.5) runs libtorch's rsqrt
    NDArray shift = b.sub(rm.mul(scale));
    return new NDList(scale, shift);
  }

  private static NDArray perChannel(NDArray like, Parameter p, long... shape) {
    return onManagerOf(like, p.getArray().reshape(shape));
  }

  public long channels() {
    return channels;
  }

}

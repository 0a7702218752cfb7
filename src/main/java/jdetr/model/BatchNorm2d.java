package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import jdetr.model.nn.TorchInit;

/**
 * torch.nn.BatchNorm2d (eps 1e-5, momentum 0.1): trained affine weight and bias; when training,
 * normalises with the batch statistics and updates the running ones in place (copies of them
 * while a {@link RunningStatistics} collection is open on the thread), otherwise uses the running
 * statistics. Names as torch's ({@code weight, bias, running_mean, running_var}); torch's
 * {@code num_batches_tracked} counter is not kept (it only matters for momentum=None).
 */
public final class BatchNorm2d extends Norm2d {

  private static final float EPS = 1e-5f;
  /** DJL's momentum is the weight of the old running value: torch's momentum 0.1. */
  private static final float DJL_MOMENTUM = 0.9f;
  private final Parameter weight;
  private final Parameter bias;
  private final Parameter runningMean;
  private final Parameter runningVar;

  public BatchNorm2d(long channels) {
    Shape s = new Shape(channels);
    weight = param("weight", Parameter.Type.GAMMA, s, TorchInit.constant(1f), true);
    bias = param("bias", Parameter.Type.BETA, s, TorchInit.constant(0f), true);
    runningMean = param("running_mean", Parameter.Type.RUNNING_MEAN, s, TorchInit.constant(0f), false);
    runningVar = param("running_var", Parameter.Type.RUNNING_VAR, s, TorchInit.constant(1f), false);
  }

  @Override
  public NDArray forward(NDArray x, boolean training) {
    NDArray[] running = training // a micro-batch beside another updates copies
        ? RunningStatistics.buffers(this, runningMean.getArray(), runningVar.getArray(), DJL_MOMENTUM)
        : new NDArray[] {runningMean.getArray(), runningVar.getArray()};
    // axis -1 hands the call to torch's batch_norm as is (channels on axis 1)
    return BatchNorm.batchNorm(x, running[0], running[1], weight.getArray(), bias.getArray(), -1,
        DJL_MOMENTUM, EPS, training).singletonOrThrow();
  }
}

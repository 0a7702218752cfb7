package jdetr.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;

/** {@code nn.Linear}: y = x W^T + b over the last axis; weight [out, in], bias [out]. */
public final class Linear extends TorchBlock {

  private final long in;
  private final long out;
  private final Parameter weight;
  private final Parameter bias;

  /** PyTorch's default initialization (uniform within 1/sqrt(in)). */
  public Linear(long in, long out, boolean trainable) {
    this(in, out, TorchInit.torchDefault(in), TorchInit.torchDefault(in), trainable);
  }

  public Linear(long in, long out, Initializer weightInit, Initializer biasInit, boolean trainable) {
    this.in = in;
    this.out = out;
    weight = param("weight", Parameter.Type.WEIGHT, new Shape(out, in), weightInit, trainable);
    bias = param("bias", Parameter.Type.BIAS, new Shape(out), biasInit, trainable);
  }

  public NDArray forward(NDArray x) {
    return ai.djl.nn.core.Linear.linear(x, weight.getArray(), bias.getArray()).singletonOrThrow();
  }

  public long inFeatures() {
    return in;
  }

  public long outFeatures() {
    return out;
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    return new NDList(forward(inputs.singletonOrThrow()));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0].slice(0, inputShapes[0].dimension() - 1).add(out)};
  }
}

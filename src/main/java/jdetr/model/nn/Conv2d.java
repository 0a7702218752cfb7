package jdetr.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;

/** {@code nn.Conv2d} on [B, C, H, W]; weight [out, in, k, k], optional bias [out]. */
public final class Conv2d extends TorchBlock {

  private final long out;
  private final int kernel;
  private final int stride;
  private final int padding;
  private final int dilation;
  private final Parameter weight;
  private final Parameter bias;

  public Conv2d(long in, long out, int kernel, int stride, int padding, int dilation,
      boolean withBias, Initializer weightInit, Initializer biasInit, boolean trainable) {
    this.out = out;
    this.kernel = kernel;
    this.stride = stride;
    this.padding = padding;
    this.dilation = dilation;
    weight = param("weight", Parameter.Type.WEIGHT, new Shape(out, in, kernel, kernel),
        weightInit, trainable);
    bias = withBias
        ? param("bias", Parameter.Type.BIAS, new Shape(out), biasInit, trainable) : null;
  }

  /** A convolution with PyTorch's default initialization and a bias (DETR's input_proj). */
  public static Conv2d withDefaultInit(long in, long out, int kernel, boolean trainable) {
    Initializer init = TorchInit.torchDefault(in * kernel * kernel);
    return new Conv2d(in, out, kernel, 1, 0, 1, true, init, init, trainable);
  }

  public NDArray forward(NDArray x) {
    return forward(x, weight.getArray(), bias == null ? null : bias.getArray());
  }

  /**
   * This convolution's stride, padding and dilation with other weights (an inference copy with
   * a normalisation folded in): weight [out, in, k, k], bias [out] or null.
   */
  public NDArray forward(NDArray x, NDArray weight, NDArray bias) {
    return ai.djl.nn.convolutional.Conv2d.conv2d(x, weight, bias, new Shape(stride, stride),
        new Shape(padding, padding), new Shape(dilation, dilation), 1).singletonOrThrow();
  }

  /** The weight [out, in, k, k]. */
  public NDArray weight() {
    return weight.getArray();
  }

  public boolean hasBias() {
    return bias != null;
  }

  /** Output size of one spatial axis (PyTorch's formula). */
  public long outputSize(long size) {
    return (size + 2L * padding - (long) dilation * (kernel - 1) - 1) / stride + 1;
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    return new NDList(forward(inputs.singletonOrThrow()));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape s = inputShapes[0];
    return new Shape[] {new Shape(s.get(0), out, outputSize(s.get(2)), outputSize(s.get(3)))};
  }
}

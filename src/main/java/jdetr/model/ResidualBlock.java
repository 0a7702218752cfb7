package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import jdetr.model.nn.Conv2d;
import jdetr.model.nn.TorchBlock;
import jdetr.model.nn.TorchInit;

/**
 * A torchvision ResNet residual block: {@link Basic} (two 3x3 convs, ResNet-18/34) or
 * {@link Bottleneck} (1x1, 3x3, 1x1 with 4x expansion, ResNet-50/101; the stride sits on the 3x3
 * conv). Convolutions have no bias and are followed by a {@link Norm2d}.
 */
public abstract sealed class ResidualBlock extends TorchBlock
    permits ResidualBlock.Basic, ResidualBlock.Bottleneck {

  protected final Downsample downsample;
  protected final int stride;

  ResidualBlock(Downsample downsample, int stride) {
    this.downsample = downsample;
    this.stride = stride;
  }

  /** x [B, Cin, H, W] -> [B, Cout, H/stride, W/stride]. */
  public abstract NDArray forward(NDArray x, boolean training);

  public abstract long outChannels();

  protected final NDArray addIdentityAndRelu(NDArray x, NDArray out, boolean training) {
    NDArray identity = downsample == null ? x : downsample.forward(x, training);
    return Activation.relu(out.add(identity));
  }

  /**
   * Folds each FrozenBatchNorm2d into the convolution before it ({@link BatchNormFolding});
   * forwards with {@code training} false then run the folded convolutions.
   *
   * @return how many convolutions run folded
   */
  abstract int fold(DataType type);

  /** The folded forward's end: relu(out + identity), the sum in place in {@code out}. */
  protected final NDArray addIdentityAndReluFolded(NDArray x, NDArray out) {
    NDArray identity = downsample == null ? x : downsample.folded.forward(x);
    return Activation.relu(out.addi(identity));
  }

  protected final int foldDownsample(DataType type) {
    return downsample == null ? 0 : downsample.fold(type);
  }

  static BatchNormFolding.Folded fold(BatchNormFolding.Folded f, Conv2d conv, Norm2d bn,
      DataType type) {
    return f == null ? BatchNormFolding.fold(conv, bn, type) : f.to(type);
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    return new NDList(forward(inputs.singletonOrThrow(), training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape s = inputShapes[0];
    return new Shape[] {new Shape(s.get(0), outChannels(), (s.get(2) - 1) / stride + 1,
        (s.get(3) - 1) / stride + 1)};
  }

  static Conv2d conv(long in, long out, int kernel, int stride, int dilation, boolean trainable) {
    int padding = kernel == 3 ? dilation : 0;
    return new Conv2d(in, out, kernel, stride, padding, dilation, false,
        TorchInit.kaimingNormalFanOut(), null, trainable);
  }

  /** The projection shortcut: 1x1 conv with the block's stride, then the norm. */
  public static final class Downsample extends TorchBlock {
    private final Conv2d conv;
    private final Norm2d bn;
    private BatchNormFolding.Folded folded;

    Downsample(long in, long out, int stride, boolean trainable, Norm2d.Kind norm) {
      conv = child("0", conv(in, out, 1, stride, 1, trainable));
      bn = child("1", Norm2d.of(norm, out));
    }

    NDArray forward(NDArray x, boolean training) {
      return bn.forward(conv.forward(x), training);
    }

    int fold(DataType type) {
      folded = ResidualBlock.fold(folded, conv, bn, type);
      return 1;
    }

    @Override
    protected NDList forwardList(NDList inputs, boolean training) {
      return new NDList(forward(inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return conv.getOutputShapes(inputShapes);
    }
  }

  /** ResNet-18/34 block (expansion 1). */
  public static final class Basic extends ResidualBlock {
    private final Conv2d conv1;
    private final Norm2d bn1;
    private final Conv2d conv2;
    private final Norm2d bn2;
    private final long planes;
    private BatchNormFolding.Folded f1;
    private BatchNormFolding.Folded f2;

    Basic(long inplanes, long planes, int stride, Downsample downsample, int dilation,
        boolean trainable, Norm2d.Kind norm) {
      super(downsample, stride);
      if (dilation > 1) {
        throw new IllegalArgumentException("dilation > 1 is not supported by ResNet-18/34 blocks");
      }
      this.planes = planes;
      conv1 = child("conv1", conv(inplanes, planes, 3, stride, 1, trainable));
      bn1 = child("bn1", Norm2d.of(norm, planes));
      conv2 = child("conv2", conv(planes, planes, 3, 1, 1, trainable));
      bn2 = child("bn2", Norm2d.of(norm, planes));
      if (downsample != null) {
        child("downsample", downsample);
      }
    }

    @Override
    public NDArray forward(NDArray x, boolean training) {
      if (f1 != null && !training) {
        return scoped(() -> addIdentityAndReluFolded(x, f2.forward(Activation.relu(f1.forward(x)))),
            x);
      }
      return scoped(() -> {
        NDArray out = Activation.relu(bn1.forward(conv1.forward(x), training));
        out = bn2.forward(conv2.forward(out), training);
        return addIdentityAndRelu(x, out, training);
      }, x);
    }

    @Override
    int fold(DataType type) {
      f1 = fold(f1, conv1, bn1, type);
      f2 = fold(f2, conv2, bn2, type);
      return 2 + foldDownsample(type);
    }

    @Override
    public long outChannels() {
      return planes;
    }
  }

  /** ResNet-50/101 block (expansion 4). */
  public static final class Bottleneck extends ResidualBlock {
    private final Conv2d conv1;
    private final Norm2d bn1;
    private final Conv2d conv2;
    private final Norm2d bn2;
    private final Conv2d conv3;
    private final Norm2d bn3;
    private final long outChannels;
    private BatchNormFolding.Folded f1;
    private BatchNormFolding.Folded f2;
    private BatchNormFolding.Folded f3;

    Bottleneck(long inplanes, long planes, int stride, Downsample downsample, int dilation,
        boolean trainable, Norm2d.Kind norm) {
      super(downsample, stride);
      outChannels = planes * 4;
      conv1 = child("conv1", conv(inplanes, planes, 1, 1, 1, trainable));
      bn1 = child("bn1", Norm2d.of(norm, planes));
      conv2 = child("conv2", conv(planes, planes, 3, stride, dilation, trainable));
      bn2 = child("bn2", Norm2d.of(norm, planes));
      conv3 = child("conv3", conv(planes, outChannels, 1, 1, 1, trainable));
      bn3 = child("bn3", Norm2d.of(norm, outChannels));
      if (downsample != null) {
        child("downsample", downsample);
      }
    }

    @Override
    public NDArray forward(NDArray x, boolean training) {
      if (f1 != null && !training) {
        return scoped(() -> {
          NDArray out = Activation.relu(f1.forward(x));
          out = Activation.relu(f2.forward(out));
          return addIdentityAndReluFolded(x, f3.forward(out));
        }, x);
      }
      return scoped(() -> {
        NDArray out = Activation.relu(bn1.forward(conv1.forward(x), training));
        out = Activation.relu(bn2.forward(conv2.forward(out), training));
        out = bn3.forward(conv3.forward(out), training);
        return addIdentityAndRelu(x, out, training);
      }, x);
    }

    @Override
    int fold(DataType type) {
      f1 = fold(f1, conv1, bn1, type);
      f2 = fold(f2, conv2, bn2, type);
      f3 = fold(f3, conv3, bn3, type);
      return 3 + foldDownsample(type);
    }

    @Override
    public long outChannels() {
      return outChannels;
    }
  }
}

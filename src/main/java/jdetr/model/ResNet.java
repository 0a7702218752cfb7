package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.pooling.Pool;
import java.util.ArrayList;
import java.util.List;
import jdetr.model.nn.Conv2d;
import jdetr.model.nn.TorchBlock;
import jdetr.model.nn.TorchInit;

/**
 * The torchvision ResNet body up to layer4, or a shallower stage (no avgpool/fc), with
 * torchvision's parameter names
 * ({@code conv1, bn1, layer1.0.conv1, layer1.0.downsample.0, …}). With FrozenBatchNorm2d (the
 * reference) the stem (conv1, bn1) and layer1 never train and layer2-4 train when
 * {@code trainable}; with a trained BatchNorm2d every layer trains when {@code trainable}.
 */
public final class ResNet extends TorchBlock {

  private final Conv2d conv1;
  private final Norm2d bn1;
  private final List<Stage> stages = new ArrayList<>();
  private BatchNormFolding.Folded stem; // conv1 with bn1 folded in, for inference

  /**
   * @param name resnet18 | resnet34 | resnet50 | resnet101
   * @param depth the stages built: layer1..layer{depth}, 1..4 (4: the whole body)
   * @param dilateLast replace the stride of layer4 with dilation 2 (DC5)
   * @param trainable layer2-4 (with {@code norm} BATCH: every layer) require gradients
   * @param norm the normalisation after each convolution
   */
  public ResNet(String name, int depth, boolean dilateLast, boolean trainable, Norm2d.Kind norm) {
    if (depth < 1 || depth > 4 || (dilateLast && depth < 4)) {
      throw new IllegalArgumentException("resnet depth " + depth + (dilateLast ? " with DC5" : ""));
    }
    int[] depths = switch (name) {
      case "resnet18" -> new int[] {2, 2, 2, 2};
      case "resnet34", "resnet50" -> new int[] {3, 4, 6, 3};
      case "resnet101" -> new int[] {3, 4, 23, 3};
      default -> throw new IllegalArgumentException("unknown backbone " + name
          + " (resnet18, resnet34, resnet50, resnet101)");
    };
    boolean bottleneck = name.equals("resnet50") || name.equals("resnet101");
    boolean all = trainable && norm == Norm2d.Kind.BATCH;
    conv1 = child("conv1", new Conv2d(3, 64, 7, 2, 3, 1, false,
        TorchInit.kaimingNormalFanOut(), null, all));
    bn1 = child("bn1", Norm2d.of(norm, 64));
    long inplanes = 64;
    int dilation = 1;
    for (int i = 0; i < depth; i++) {
      long planes = 64L << i;
      int stride = i == 0 ? 1 : 2;
      int previousDilation = dilation;
      if (i == 3 && dilateLast) {
        dilation *= stride;
        stride = 1;
      }
      boolean train = trainable && (i > 0 || all);
      long out = bottleneck ? planes * 4 : planes;
      ResidualBlock.Downsample down = stride != 1 || inplanes != out
          ? new ResidualBlock.Downsample(inplanes, out, stride, train, norm) : null;
      Stage stage = new Stage();
      stage.add(block(bottleneck, inplanes, planes, stride, down, previousDilation, train, norm));
      for (int j = 1; j < depths[i]; j++) {
        stage.add(block(bottleneck, out, planes, 1, null, dilation, train, norm));
      }
      inplanes = out;
      stages.add(child("layer" + (i + 1), stage));
    }
  }

  private static ResidualBlock block(boolean bottleneck, long in, long planes, int stride,
      ResidualBlock.Downsample down, int dilation, boolean train, Norm2d.Kind norm) {
    return bottleneck
        ? new ResidualBlock.Bottleneck(in, planes, stride, down, dilation, train, norm)
        : new ResidualBlock.Basic(in, planes, stride, down, dilation, train, norm);
  }

  /**
   * Runs the stem and the stages up to the deepest one requested.
   *
   * @param images [B, 3, H, W]
   * @param returnStages stage numbers (1..depth) whose outputs are returned, ascending
   * @param training BatchNorm2d uses and tracks batch statistics
   * @return one feature map per requested stage, [B, C_s, H_s, W_s]
   */
  public List<NDArray> forward(NDArray images, List<Integer> returnStages, boolean training) {
    boolean folded = stem != null && !training;
    NDArray x = scoped(() -> Pool.maxPool2d(Activation.relu(
        folded ? stem.forward(images) : bn1.forward(conv1.forward(images), training)),
        new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), false), images);
    List<NDArray> out = new ArrayList<>();
    int last = returnStages.get(returnStages.size() - 1);
    for (int i = 1; i <= last; i++) {
      NDArray next = stages.get(i - 1).forward(x, training);
      if (i == 1 || !returnStages.contains(i - 1)) {
        // a stage input that is not returned is no longer needed (by position: NDArray.equals
        // compares contents, and NaN features equal nothing)
        x.close();
      }
      x = next;
      if (returnStages.contains(i)) {
        out.add(x);
      }
    }
    return out;
  }

  /**
   * Folds each FrozenBatchNorm2d into the convolution before it, for forwards with
   * {@code training} false ({@link BatchNormFolding}); a BatchNorm2d body is left as it is.
   *
   * @return how many convolutions run folded
   */
  int fold(DataType type) {
    if (!(bn1 instanceof FrozenBatchNorm2d)) {
      return 0;
    }
    stem = stem == null ? BatchNormFolding.fold(conv1, bn1, type) : stem.to(type);
    int n = 1;
    for (Stage s : stages) {
      for (ResidualBlock b : s.blocks) {
        n += b.fold(type);
      }
    }
    return n;
  }

  /** conv1's weight: its type is the body's (float32, or bfloat16 after InferenceCast). */
  NDArray stemWeight() {
    return conv1.weight();
  }

  /** Output channels of stage s (1..depth). */
  public long channels(int stage) {
    return stages.get(stage - 1).outChannels();
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    return new NDList(forward(inputs.singletonOrThrow(), List.of(stages.size()), training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {stageShapes(inputShapes[0])[stages.size() - 1]};
  }

  /** Output shapes of stages 1..depth (index 0..depth-1) for images of shape [B, 3, H, W]. */
  public Shape[] stageShapes(Shape images) {
    Shape s = conv1.getOutputShapes(new Shape[] {images})[0];
    s = new Shape(s.get(0), s.get(1), (s.get(2) - 1) / 2 + 1, (s.get(3) - 1) / 2 + 1); // maxpool
    Shape[] out = new Shape[stages.size()];
    for (int i = 0; i < stages.size(); i++) {
      s = stages.get(i).getOutputShapes(new Shape[] {s})[0];
      out[i] = s;
    }
    return out;
  }

  /** One layerN: residual blocks named 0, 1, 2, … */
  static final class Stage extends TorchBlock {
    private final List<ResidualBlock> blocks = new ArrayList<>();

    void add(ResidualBlock b) {
      blocks.add(child(Integer.toString(blocks.size()), b));
    }

    NDArray forward(NDArray x, boolean training) {
      NDArray out = x;
      for (ResidualBlock b : blocks) {
        NDArray next = b.forward(out, training);
        if (out != x) {
          out.close(); // intermediate block outputs; the stage input belongs to the caller
        }
        out = next;
      }
      return out;
    }

    long outChannels() {
      return blocks.get(blocks.size() - 1).outChannels();
    }

    @Override
    protected NDList forwardList(NDList inputs, boolean training) {
      return new NDList(forward(inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      Shape[] s = inputShapes;
      for (ResidualBlock b : blocks) {
        s = b.getOutputShapes(s);
      }
      return s;
    }
  }
}

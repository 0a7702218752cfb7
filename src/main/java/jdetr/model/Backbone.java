package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import jdetr.model.nn.Bfloat16;
import jdetr.model.nn.TorchBlock;

/**
 * DETR's backbone: a torchvision ResNet ({@code body}), FrozenBatchNorm2d by default, returning the
 * feature maps of the requested stages, each with the padding mask nearest-downsampled to its
 * size. DETR uses stage 4 only (C5: stride 32, or 16 with DC5); Deformable DETR uses 2, 3, 4.
 * The ResNet is built up to the deepest stage returned.
 */
public final class Backbone extends TorchBlock {

  private final ResNet body;
  private final List<Integer> returnStages;

  /**
   * @param name resnet18 | resnet34 | resnet50 | resnet101
   * @param trainBackbone layer2-4 require gradients (the reference's lr_backbone > 0)
   * @param dilation DC5: dilation instead of stride in layer4
   * @param returnStages ascending stage numbers in 1..4 whose outputs are returned
   */
  public Backbone(String name, boolean trainBackbone, boolean dilation, List<Integer> returnStages) {
    this(name, trainBackbone, dilation, returnStages, Norm2d.Kind.FROZEN);
  }

  /** As above, with the given normalisation ({@link Norm2d.Kind#BATCH}: every layer trains). */
  public Backbone(String name, boolean trainBackbone, boolean dilation, List<Integer> returnStages,
      Norm2d.Kind norm) {
    if (returnStages.isEmpty()) {
      throw new IllegalArgumentException("backbone: no stage to return");
    }
    for (int i = 0; i < returnStages.size(); i++) {
      int s = returnStages.get(i);
      if (s < 1 || s > 4 || (i > 0 && s <= returnStages.get(i - 1))) {
        throw new IllegalArgumentException("backbone: return stages must ascend within 1..4, got "
            + returnStages);
      }
    }
    this.returnStages = List.copyOf(returnStages);
    body = child("body", new ResNet(name, this.returnStages.get(this.returnStages.size() - 1),
        dilation, trainBackbone, norm));
  }

  /**
   * @param images [B, 3, H, W] float
   * @param mask [B, H, W] boolean, true = padding
   * @return one map per requested stage, shallow to deep
   */
  public List<FeatureMap> forward(NDArray images, NDArray mask) {
    return forward(images, mask, false);
  }

  /** As {@link #forward(NDArray, NDArray)}; {@code training}: BatchNorm2d uses batch statistics. */
  public List<FeatureMap> forward(NDArray images, NDArray mask, boolean training) {
    checkInput(images, mask);
    List<FeatureMap> out = new ArrayList<>();
    // images in the body's type: bfloat16 after InferenceCast, else themselves
    for (NDArray f : body.forward(Bfloat16.like(images, body.stemWeight()), returnStages, training)) {
      Shape s = f.getShape();
      out.add(new FeatureMap(f, PaddingMask.downsample(mask, s.get(2), s.get(3))));
    }
    return out;
  }

  /** Images must be [B, 3, H, W] float32 and the mask [B, H, W] boolean of the same B, H, W. */
  static void checkInput(NDArray images, NDArray mask) {
    Shape s = images.getShape();
    boolean floating = images.getDataType() == DataType.FLOAT32
        || Bfloat16.is(images); // an InferenceCast model
    if (s.dimension() != 4 || s.get(1) != 3 || !floating) {
      throw new IllegalArgumentException("images must be [B, 3, H, W] float32, got " + s + " "
          + images.getDataType());
    }
    Shape m = mask.getShape();
    if (mask.getDataType() != DataType.BOOLEAN || m.dimension() != 3 || m.get(0) != s.get(0)
        || m.get(1) != s.get(2) || m.get(2) != s.get(3)) {
      throw new IllegalArgumentException("mask must be [B, H, W] = [" + s.get(0) + ", " + s.get(2)
          + ", " + s.get(3) + "] boolean (true = padding), got " + m + " " + mask.getDataType());
    }
  }

  /** Channels of each returned map, in order. */
  public List<Long> channels() {
    return returnStages.stream().map(body::channels).toList();
  }

  /** The ResNet ({@code body}). */
  ResNet body() {
    return body;
  }

  public List<Integer> returnStages() {
    return returnStages;
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    NDList out = new NDList();
    for (FeatureMap m : forward(inputs.get(0), inputs.get(1), training)) {
      out.add(m.features());
      out.add(m.mask());
    }
    return out;
  }

  /** For each returned stage: the feature map's shape, then its mask's shape. */
  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape[] stages = body.stageShapes(inputShapes[0]);
    Shape[] out = new Shape[2 * returnStages.size()];
    for (int i = 0; i < returnStages.size(); i++) {
      Shape f = stages[returnStages.get(i) - 1];
      out[2 * i] = f;
      out[2 * i + 1] = new Shape(f.get(0), f.get(2), f.get(3));
    }
    return out;
  }
}

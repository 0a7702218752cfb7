package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import jdetr.model.nn.TorchBlock;

/**
 * DETR's backbone: a torchvision ResNet ({@code body}) with FrozenBatchNorm2d, returning the
 * feature maps of the requested stages, each with the padding mask nearest-downsampled to its
 * size. DETR uses stage 4 only (C5: stride 32, or 16 with DC5); Deformable DETR uses 2, 3, 4.
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
    body = child("body", new ResNet(name, dilation, trainBackbone));
  }

  /**
   * @param images [B, 3, H, W] float
   * @param mask [B, H, W] boolean, true = padding
   * @return one map per requested stage, shallow to deep
   */
  public List<FeatureMap> forward(NDArray images, NDArray mask) {
    List<FeatureMap> out = new ArrayList<>();
    for (NDArray f : body.forward(images, returnStages)) {
      Shape s = f.getShape();
      out.add(new FeatureMap(f, PaddingMask.downsample(mask, s.get(2), s.get(3))));
    }
    return out;
  }

  /** Channels of each returned map, in order. */
  public List<Long> channels() {
    return returnStages.stream().map(body::channels).toList();
  }

  public List<Integer> returnStages() {
    return returnStages;
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    NDList out = new NDList();
    for (FeatureMap m : forward(inputs.get(0), inputs.get(1))) {
      out.add(m.features());
      out.add(m.mask());
    }
    return out;
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape last = body.getOutputShapes(inputShapes)[0];
    if (returnStages.size() != 1 || returnStages.get(0) != 4) {
      throw new UnsupportedOperationException("output shapes are computed for stage 4 only");
    }
    return new Shape[] {last, new Shape(last.get(0), last.get(2), last.get(3))};
  }
}

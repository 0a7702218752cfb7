package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import jdetr.model.nn.TorchBlock;

/**
 * The backbone (child "0") joined with the position embedding (child "1"), as DETR's
 * {@code backbone} module: every returned feature map comes with its mask and its positions.
 */
public final class Joiner extends TorchBlock {

  /** Feature maps (with masks) and one position encoding per map. */
  public record Output(List<FeatureMap> maps, List<NDArray> positions) {
    public FeatureMap last() {
      return maps.get(maps.size() - 1);
    }

    public NDArray lastPosition() {
      return positions.get(positions.size() - 1);
    }
  }

  private final Backbone backbone;
  private final PositionEmbedding positionEmbedding;

  public <P extends TorchBlock & PositionEmbedding> Joiner(Backbone backbone, P positionEmbedding) {
    this.backbone = child("0", backbone);
    this.positionEmbedding = child("1", positionEmbedding);
  }

  /**
   * @param images [B, 3, H, W]
   * @param mask [B, H, W] boolean, true = padding
   */
  public Output forward(NDArray images, NDArray mask) {
    return forward(images, mask, false);
  }

  /** As {@link #forward(NDArray, NDArray)}; {@code training}: BatchNorm2d uses batch statistics. */
  public Output forward(NDArray images, NDArray mask, boolean training) {
    List<FeatureMap> maps = backbone.forward(images, mask, training);
    List<NDArray> pos = new ArrayList<>();
    for (FeatureMap m : maps) {
      pos.add(positionEmbedding.encode(m));
    }
    return new Output(maps, pos);
  }

  public Backbone backbone() {
    return backbone;
  }

  public PositionEmbedding positionEmbedding() {
    return positionEmbedding;
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    Output o = forward(inputs.get(0), inputs.get(1), training);
    return new NDList(o.last().features(), o.last().mask(), o.lastPosition());
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape[] b = backbone.getOutputShapes(inputShapes);
    Shape f = b[0];
    Shape pos = ((TorchBlock) positionEmbedding).getOutputShapes(new Shape[] {f})[0];
    return new Shape[] {f, b[1], pos};
  }
}

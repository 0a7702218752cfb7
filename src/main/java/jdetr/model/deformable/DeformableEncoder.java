package jdetr.model.deformable;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import jdetr.autograd.GraphSafe;
import jdetr.model.nn.TorchBlock;

/**
 * A stack of deformable encoder layers ({@code layers.N}, no final norm). Every token's reference
 * point is the centre of its own pixel, normalised by the valid (unpadded) size of its level, then
 * mapped onto every level by that level's valid ratios.
 */
public final class DeformableEncoder extends TorchBlock {

  private final List<DeformableEncoderLayer> layers = new ArrayList<>();

  public DeformableEncoder(int numLayers, int dModel, int dFfn, float dropout, int levels,
      int heads, int points, boolean trainable) {
    for (int i = 0; i < numLayers; i++) {
      layers.add(child("layers." + i, new DeformableEncoderLayer(dModel, dFfn, dropout, levels,
          heads, points, trainable)));
    }
  }

  /**
   * The encoder's reference points: for level l, the pixel centres ((j + 0.5) / (r^l_x W_l),
   * (i + 0.5) / (r^l_y H_l)), then multiplied by each level's valid ratios.
   *
   * @param levels the level sizes
   * @param validRatios [N, L, 2] (x, y) valid fraction of each level
   * @return [N, S, L, 2]
   */
  public static NDArray referencePoints(FeatureLevels levels, NDArray validRatios) {
    NDManager m = validRatios.getManager();
    long n = validRatios.getShape().get(0);
    NDList perLevel = new NDList();
    for (int l = 0; l < levels.count(); l++) {
      int h = levels.height(l);
      int w = levels.width(l);
      NDArray rowCentres = m.linspace(0.5f, h - 0.5f, h).reshape(1, h, 1); // [1, H, 1]
      NDArray colCentres = m.linspace(0.5f, w - 0.5f, w).reshape(1, 1, w); // [1, 1, W]
      NDArray ratioX = validRatios.get(":, {}, 0", l).reshape(n, 1, 1);
      NDArray ratioY = validRatios.get(":, {}, 1", l).reshape(n, 1, 1);
      NDArray refY = rowCentres.div(GraphSafe.mul(ratioY, h)).broadcast(n, h, w)
          .reshape(n, (long) h * w);
      NDArray refX = colCentres.div(GraphSafe.mul(ratioX, w)).broadcast(n, h, w)
          .reshape(n, (long) h * w);
      perLevel.add(NDArrays.stack(new NDList(refX, refY), -1)); // [N, H*W, 2]
    }
    NDArray ref = NDArrays.concat(perLevel, 1); // [N, S, 2]
    return ref.expandDims(2).mul(validRatios.expandDims(1)); // [N, S, L, 2]
  }

  /**
   * @param src [N, S, C]
   * @param pos [N, S, C] positions + level embeddings
   * @param validRatios [N, L, 2]
   * @param paddingMask [N, S] boolean
   * @return [N, S, C] the memory
   */
  public NDArray forward(NDArray src, NDArray pos, FeatureLevels levels, NDArray validRatios,
      NDArray paddingMask, boolean training) {
    NDArray reference = referencePoints(levels, validRatios);
    NDArray out = src;
    for (DeformableEncoderLayer layer : layers) {
      out = layer.forward(out, pos, reference, levels, paddingMask, training);
    }
    return out;
  }

  public int numLayers() {
    return layers.size();
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    throw new UnsupportedOperationException("call forward with the feature levels");
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }
}

package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import jdetr.autograd.GraphSafe;
import jdetr.model.nn.TorchBlock;

/**
 * DETR's sine encoding: cumulative counts of non-padded pixels down the rows (y) and along the
 * columns (x), normalized to (0, 2π] per image (eps 1e-6), divided by
 * temperature^(2⌊i/2⌋/numPosFeats), sin on even and cos on odd features, y features then x.
 * Deformable DETR's variant ({@link #deformable}) subtracts 0.5 from the counts before normalising
 * (pixel centres): {@code (cumsum - 0.5) / (last + eps) * scale}.
 */
public final class PositionEmbeddingSine extends TorchBlock implements PositionEmbedding {

  private static final float EPS = 1e-6f;
  private final int numPosFeats;
  private final float temperature;
  private final boolean normalize;
  private final float scale;
  private final float offset;

  /** DETR's settings: normalize, scale 2π, temperature 10000. */
  public PositionEmbeddingSine(int numPosFeats) {
    this(numPosFeats, 10000f, true, (float) (2 * Math.PI));
  }

  public PositionEmbeddingSine(int numPosFeats, float temperature, boolean normalize, float scale) {
    this(numPosFeats, temperature, normalize, scale, 0f);
  }

  private PositionEmbeddingSine(int numPosFeats, float temperature, boolean normalize, float scale,
      float offset) {
    this.numPosFeats = numPosFeats;
    this.temperature = temperature;
    this.normalize = normalize;
    this.scale = scale;
    this.offset = offset;
  }

  /** Deformable DETR's settings: DETR's, with the counts offset by -0.5 before normalising. */
  public static PositionEmbeddingSine deformable(int numPosFeats) {
    return new PositionEmbeddingSine(numPosFeats, 10000f, true, (float) (2 * Math.PI), -0.5f);
  }

  @Override
  public NDArray encode(FeatureMap map) {
    NDArray notMask = map.mask().logicalNot().toType(DataType.FLOAT32, false); // [B, h, w]
    NDArray y = notMask.cumSum(1);
    NDArray x = notMask.cumSum(2);
    if (normalize) {
      NDArray lastY = y.get(":, -1:, :").add(EPS);
      NDArray lastX = x.get(":, :, -1:").add(EPS);
      y = GraphSafe.mul((offset == 0f ? y : y.add(offset)).div(lastY), scale);
      x = GraphSafe.mul((offset == 0f ? x : x.add(offset)).div(lastX), scale);
    }
    NDArray dimT = dimT(map.mask().getManager());
    NDArray posY = interleaveSinCos(y.expandDims(3).div(dimT)); // [B, h, w, F]
    NDArray posX = interleaveSinCos(x.expandDims(3).div(dimT));
    return NDArrays.concat(new NDList(posY, posX), 3).transpose(0, 3, 1, 2); // [B, 2F, h, w]
  }

  /** temperature ** (2 * (i // 2) / F), evaluated by libtorch in float32 as the reference does. */
  private NDArray dimT(NDManager m) {
    float[] exponents = new float[numPosFeats];
    for (int i = 0; i < numPosFeats; i++) {
      exponents[i] = (float) (2 * (i / 2)) / numPosFeats;
    }
    NDArray base = m.full(new Shape(), temperature, DataType.FLOAT32);
    return base.pow(GraphSafe.create(m, exponents, new Shape(numPosFeats)));
  }

  /** [B, h, w, F] -> [B, h, w, F] with sin of the even features and cos of the odd ones interleaved. */
  private static NDArray interleaveSinCos(NDArray pos) {
    Shape s = pos.getShape();
    NDArray sin = pos.get(":, :, :, 0::2").sin();
    NDArray cos = pos.get(":, :, :, 1::2").cos();
    return NDArrays.stack(new NDList(sin, cos), 4).reshape(s.get(0), s.get(1), s.get(2), s.get(3));
  }

  public int numPosFeats() {
    return numPosFeats;
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    return new NDList(encode(new FeatureMap(inputs.get(0), inputs.get(1))));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape s = inputShapes[0];
    return new Shape[] {new Shape(s.get(0), 2L * numPosFeats, s.get(2), s.get(3))};
  }
}

package jdetr.model.deformable;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import jdetr.autograd.GraphSafe;

/**
 * The multi-scale deformable attention sum (the reference's {@code ms_deform_attn_core_pytorch}):
 * for every query q and head m,
 *
 * <pre>
 *   out[q, m] = sum over levels l and points p of  A[q, m, l, p] * x^l_m(loc[q, m, l, p])
 * </pre>
 *
 * where x^l_m(loc) is the bilinear interpolation of head m's values on level l at the normalised
 * location loc (0 = left/top edge, 1 = right/bottom edge), exactly as
 * {@code F.grid_sample(value, 2 * loc - 1, mode="bilinear", padding_mode="zeros",
 * align_corners=False)}: pixel centres at (i + 0.5) / W, corners outside the map read 0.
 *
 * <p>Each of the four corners of every sample is gathered from the flattened values with a row
 * lookup ({@code F.embedding}), weighted by attention x bilinear weight and reduced over levels and
 * points with a batched matrix product; the corners are summed one after another, so at most a
 * quarter of the gathered values is held at a time when nothing is recorded for the backward. Everything is differentiable with respect to the values, the locations and the
 * attention weights (gradients equal grid_sample's: out-of-map corners contribute nothing); the
 * integer corner indices carry no gradient.
 */
public final class MsDeformAttnCore {

  private MsDeformAttnCore() {}

  /**
   * @param value [N, S, M, D] per-head values of every level, flattened as {@code levels}
   * @param levels the level sizes (S = levels.size())
   * @param locations [N, Lq, M, L, P, 2] normalised (x, y) sampling locations
   * @param attention [N, Lq, M, L, P] attention weights
   * @return [N, Lq, M * D], channels ordered (head, value channel)
   */
  public static NDArray sample(NDArray value, FeatureLevels levels, NDArray locations,
      NDArray attention) {
    Shape vs = value.getShape();
    Shape ls = locations.getShape();
    long n = vs.get(0);
    long s = vs.get(1);
    long m = vs.get(2);
    long d = vs.get(3);
    long lq = ls.get(1);
    int l = levels.count();
    long p = ls.get(4);
    if (s != levels.size() || ls.dimension() != 6 || ls.get(0) != n || ls.get(2) != m
        || ls.get(3) != l || ls.get(5) != 2) {
      throw new IllegalArgumentException("deformable sampling: value " + vs + " over levels "
          + levels + " (S = " + levels.size() + ") does not fit locations " + ls);
    }
    if (!attention.getShape().equals(ls.slice(0, 5))) {
      throw new IllegalArgumentException("deformable sampling: attention " + attention.getShape()
          + " does not fit locations " + ls);
    }
    NDManager scope = NDManager.subManagerOf(value);
    try (scope) {
      value.tempAttach(scope);
      locations.tempAttach(scope);
      attention.tempAttach(scope);
      NDArray out = gatherAndSum(value, levels, locations, attention, n, s, m, d, lq, l, p);
      return scope.ret(out);
    }
  }

  private static NDArray gatherAndSum(NDArray value, FeatureLevels levels, NDArray locations,
      NDArray attention, long n, long s, long m, long d, long lq, int l, long p) {
    NDManager mgr = value.getManager();
    LevelConstants c = new LevelConstants(levels, m, mgr);
    // grid_sample's source coordinates, as its CPU kernel computes them:
    // g = 2 * loc - 1 ; pixel = (g + 1) * (size / 2) - 0.5
    NDArray grid = GraphSafe.mul(locations, 2f).sub(1f); // [N, Lq, M, L, P, 2]
    NDArray x = grid.get("..., 0").add(1f).mul(c.halfWidth).sub(0.5f); // [N, Lq, M, L, P]
    NDArray y = grid.get("..., 1").add(1f).mul(c.halfHeight).sub(0.5f);
    NDArray x0 = x.stopGradient().floor();
    NDArray y0 = y.stopGradient().floor();
    NDArray west = x.sub(x0); // distance from the west column
    NDArray north = y.sub(y0); // distance from the north row
    NDArray east = west.neg().add(1f);
    NDArray south = north.neg().add(1f);
    NDArray x1 = x0.add(1f);
    NDArray y1 = y0.add(1f);
    // corners in the order nw, ne, sw, se; each weight is zeroed where the corner is off the map
    NDArray[][] corners = {{x0, y0}, {x1, y0}, {x0, y1}, {x1, y1}};
    NDArray[] weights = {south.mul(east), south.mul(west), north.mul(east), north.mul(west)};
    long samples = n * lq * m;
    NDArray table = value.reshape(n * s * m, d); // [N * S * M, D]
    NDArray imageStart = c.imageStart(n, s, m);
    NDArray head = c.head(m);
    NDArray out = null;
    for (int k = 0; k < 4; k++) { // one corner at a time: a quarter of the gathered values alive
      NDArray cx = corners[k][0];
      NDArray cy = corners[k][1];
      NDArray inside = cx.gte(0f).logicalAnd(cx.lte(c.lastColumn))
          .logicalAnd(cy.gte(0f)).logicalAnd(cy.lte(c.lastRow)).toType(DataType.FLOAT32, false);
      NDArray coefficient = weights[k].mul(inside).mul(attention)
          .reshape(samples, 1, (long) l * p); // [N * Lq * M, 1, L * P]
      // off-map corners read row 0 (their coefficient is 0); x, y are whole numbers
      NDArray col = cx.mul(inside).toType(DataType.INT64, false);
      NDArray row = cy.mul(inside).toType(DataType.INT64, false);
      // row of value.reshape(N * S * M, D): (n * S + start_l + y * W_l + x) * M + m
      NDArray index = row.mul(c.rowStride).add(col.mul(c.heads)).add(c.levelStart)
          .add(imageStart).add(head).reshape(-1); // [N * Lq * M * L * P]
      NDArray gathered = Embedding.embedding(index, table, SparseFormat.DENSE).singletonOrThrow()
          .reshape(samples, (long) l * p, d); // [N * Lq * M, L * P, D]
      NDArray sum = coefficient.matMul(gathered); // [N * Lq * M, 1, D]
      gathered.close();
      out = out == null ? sum : out.add(sum);
    }
    return out.reshape(n, lq, m * d); // [N, Lq, M * D]
  }

  /**
   * Per-level sizes broadcast against [N, Lq, M, L, P] (level on axis 3), in libtorch memory; the
   * integer ones are already multiplied by the head count M (the row stride of the value table).
   */
  private static final class LevelConstants {
    final NDArray halfWidth;
    final NDArray halfHeight;
    final NDArray lastColumn;
    final NDArray lastRow;
    final NDArray rowStride;
    final NDArray levelStart;
    final NDArray heads;
    private final NDManager manager;

    LevelConstants(FeatureLevels levels, long m, NDManager manager) {
      this.manager = manager;
      int l = levels.count();
      float[] hw = new float[l];
      float[] hh = new float[l];
      float[] lastX = new float[l];
      float[] lastY = new float[l];
      long[] stride = new long[l];
      long[] start = new long[l];
      for (int i = 0; i < l; i++) {
        hw[i] = (float) levels.width(i) / 2;
        hh[i] = (float) levels.height(i) / 2;
        lastX[i] = levels.width(i) - 1;
        lastY[i] = levels.height(i) - 1;
        stride[i] = levels.width(i) * m;
        start[i] = levels.start(i) * m;
      }
      Shape shape = new Shape(1, 1, 1, l, 1);
      halfWidth = GraphSafe.create(manager, hw, shape);
      halfHeight = GraphSafe.create(manager, hh, shape);
      lastColumn = GraphSafe.create(manager, lastX, shape);
      lastRow = GraphSafe.create(manager, lastY, shape);
      rowStride = GraphSafe.create(manager, stride, shape);
      levelStart = GraphSafe.create(manager, start, shape);
      heads = GraphSafe.create(manager, new long[] {m}, new Shape(1));
    }

    /** n * S * M for image n, shaped [N, 1, 1, 1, 1]. */
    NDArray imageStart(long n, long s, long m) {
      int step = Math.toIntExact(s * m);
      return manager.arange(0, Math.toIntExact(n * step), step, DataType.INT64)
          .reshape(n, 1, 1, 1, 1);
    }

    /** m for head m, shaped [1, 1, M, 1, 1]. */
    NDArray head(long m) {
      return manager.arange(0, (int) m, 1, DataType.INT64).reshape(1, 1, m, 1, 1);
    }
  }
}

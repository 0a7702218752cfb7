package jdetr.model.deformable;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.pytorch.jni.JniUtils;
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
 * <p>Training (autograd recording) samples with libtorch's {@code grid_sample}, one call per level
 * ({@link GridSampling}): its backward is one vectorised kernel per level.
 *
 * <p>Without autograd recording (inference), float32 values on the CPU are sampled by
 * {@link DirectSampling}, which reads the corners straight from the value map in Java
 * ({@value #DIRECT}). Other values take row lookups ({@value #GATHER}): all four corners of a
 * sample are read with one lookup ({@code F.embedding}) in a table that holds every 2x2 patch of
 * the zero-padded maps ({@link #patchTable}), weighted by attention x bilinear weight and summed
 * over corners, levels and points with a batched matrix product, over chunks of queries
 * ({@link #INFERENCE_GATHER_LIMIT}). The lookups are differentiable too (gradients equal
 * grid_sample's: corners in the padding read 0).
 */
public final class MsDeformAttnCore {

  /**
   * Without autograd recording, queries are sampled in chunks of at most this many gathered
   * values (64 MB of float32), so a full-resolution encoder does not hold every query's samples
   * at once.
   */
  static final long INFERENCE_GATHER_LIMIT = 1L << 24;

  /** The name of the inference sampler that reads the value map in Java. */
  public static final String DIRECT = "java-direct";

  /** The name of the row-lookup sampler (inference {@link #DIRECT} does not support). */
  public static final String GATHER = "gather";

  private MsDeformAttnCore() {}

  /**
   * The sampler inference (no autograd recording) uses for values of this type on this device:
   * {@link #DIRECT} or {@link #GATHER}.
   */
  public static String inferenceSampler(DataType type, Device device) {
    return DirectSampling.supports(type, device) ? DIRECT : GATHER;
  }

  /**
   * @param value [N, S, M, D] per-head values of every level, flattened as {@code levels}
   * @param levels the level sizes (S = levels.size())
   * @param locations [N, Lq, M, L, P, 2] normalised (x, y) sampling locations
   * @param attention [N, Lq, M, L, P] attention weights
   * @return [N, Lq, M * D], channels ordered (head, value channel)
   */
  public static NDArray sample(NDArray value, FeatureLevels levels, NDArray locations,
      NDArray attention) {
    checkShapes(value, levels, locations, attention);
    long outputs = attention.size() / levels.count() / locations.getShape().get(4)
        * value.getShape().get(3); // N * Lq * M * D
    if (JniUtils.isGradMode()) {
      return GridSampling.sample(value, levels, locations, attention);
    }
    if (DirectSampling.supports(value, locations, attention, outputs)) {
      return DirectSampling.sample(value, levels, locations, attention, JniUtils.getNumThreads());
    }
    return gather(value, levels, locations, attention, INFERENCE_GATHER_LIMIT);
  }

  /**
   * {@link #sample} with the row lookups, whatever the grad mode; without autograd recording,
   * in chunks of at most {@code inferenceGatherLimit} gathered values.
   */
  static NDArray gather(NDArray value, FeatureLevels levels, NDArray locations,
      NDArray attention, long inferenceGatherLimit) {
    checkShapes(value, levels, locations, attention);
    Shape vs = value.getShape();
    Shape ls = locations.getShape();
    long n = vs.get(0);
    long m = vs.get(2);
    long d = vs.get(3);
    long lq = ls.get(1);
    int l = levels.count();
    long p = ls.get(4);
    NDManager scope = NDManager.subManagerOf(value);
    try (scope) {
      value.tempAttach(scope);
      locations.tempAttach(scope);
      attention.tempAttach(scope);
      NDArray table = patchTable(value, levels, n, m, d);
      LevelConstants c = new LevelConstants(levels, m, scope);
      long perQuery = n * m * l * p * 4 * d; // gathered values per query
      long chunk = JniUtils.isGradMode() ? lq : Math.max(1, inferenceGatherLimit / perQuery);
      if (chunk >= lq) {
        return scope.ret(gatherAndSum(table, c, locations, attention, n, m, d, lq, l, p));
      }
      NDList parts = new NDList();
      for (long q = 0; q < lq; q += chunk) {
        long end = Math.min(lq, q + chunk);
        try (NDManager part = NDManager.subManagerOf(value)) {
          NDArray loc = locations.get(":, {}:{}", q, end);
          NDArray att = attention.get(":, {}:{}", q, end);
          loc.attach(part);
          att.attach(part);
          parts.add(part.ret(gatherAndSum(table, c, loc, att, n, m, d, end - q, l, p)));
        }
      }
      return scope.ret(NDArrays.concat(parts, 1));
    }
  }

  private static void checkShapes(NDArray value, FeatureLevels levels, NDArray locations,
      NDArray attention) {
    Shape vs = value.getShape();
    Shape ls = locations.getShape();
    long n = vs.get(0);
    long s = vs.get(1);
    long m = vs.get(2);
    int l = levels.count();
    if (s != levels.size() || ls.dimension() != 6 || ls.get(0) != n || ls.get(2) != m
        || ls.get(3) != l || ls.get(5) != 2) {
      throw new IllegalArgumentException("deformable sampling: value " + vs + " over levels "
          + levels + " (S = " + levels.size() + ") does not fit locations " + ls);
    }
    if (!attention.getShape().equals(ls.slice(0, 5))) {
      throw new IllegalArgumentException("deformable sampling: attention " + attention.getShape()
          + " does not fit locations " + ls);
    }
  }

  /**
   * @param table the patch table ({@link #patchTable})
   * @return [N, Lq, M * D]
   */
  private static NDArray gatherAndSum(NDArray table, LevelConstants c, NDArray locations,
      NDArray attention, long n, long m, long d, long lq, int l, long p) {
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
    // the sample reads the patch whose north-west corner is (x0, y0); a patch with a corner on the
    // map starts at -1..W-1, -1..H-1; the others read patch 0 with coefficient 0
    NDArray onMap = x0.gte(-1f).logicalAnd(x0.lte(c.lastColumn))
        .logicalAnd(y0.gte(-1f)).logicalAnd(y0.lte(c.lastRow)).toType(DataType.FLOAT32, false);
    long samples = n * lq * m;
    long corners = (long) l * p * 4;
    NDArray coefficient = NDArrays.stack(new NDList(south.mul(east), south.mul(west),
            north.mul(east), north.mul(west)), 5) // [N, Lq, M, L, P, 4] nw, ne, sw, se
        .mul(attention.mul(onMap).expandDims(5))
        .reshape(samples, corners, 1);
    NDArray col = x0.add(1f).mul(onMap).toType(DataType.INT64, false);
    NDArray row = y0.add(1f).mul(onMap).toType(DataType.INT64, false);
    // row of the patch table: (n * S' + start'_l + (y0 + 1) * (W_l + 1) + x0 + 1) * M + m
    NDArray index = row.mul(c.rowStride).add(col.mul(c.heads)).add(c.levelStart)
        .add(c.imageStart(n, m)).add(c.head(m)).reshape(-1); // [N * Lq * M * L * P]
    NDArray gathered = Embedding.embedding(index, table, SparseFormat.DENSE).singletonOrThrow()
        .reshape(samples, corners, d); // [N * Lq * M, L * P * 4, D]
    return coefficient.reshape(samples, 1, corners).matMul(gathered) // [N * Lq * M, 1, D]
        .reshape(n, lq, m * d);
  }

  /**
   * The values of every 2x2 patch of every level, one row per (image, patch, head): patch (a, b)
   * of a level holds the cells (a-1, b-1), (a-1, b), (a, b-1), (a, b) of the map padded with zeros,
   * a = 0..H, b = 0..W. One row lookup then reads all four corners of a bilinear sample.
   *
   * @return [N * S' * M, 4 * D], S' = sum (H_l + 1)(W_l + 1), corners nw, ne, sw, se
   */
  private static NDArray patchTable(NDArray value, FeatureLevels levels, long n, long m, long d) {
    NDManager mgr = value.getManager();
    DataType type = value.getDataType();
    Device device = value.getDevice();
    NDList perLevel = new NDList();
    for (int i = 0; i < levels.count(); i++) {
      long h = levels.height(i);
      long w = levels.width(i);
      NDArray map = value.get(":, {}:{}", levels.start(i), levels.start(i) + h * w)
          .reshape(n, h, w, m, d);
      NDArray column = mgr.zeros(new Shape(n, h, 1, m, d), type, device);
      map = NDArrays.concat(new NDList(column, map, column), 2); // [N, H, W + 2, M, D]
      NDArray line = mgr.zeros(new Shape(n, 1, w + 2, m, d), type, device);
      map = NDArrays.concat(new NDList(line, map, line), 1); // [N, H + 2, W + 2, M, D]
      perLevel.add(NDArrays.concat(new NDList(
          map.get(":, 0:{}, 0:{}", h + 1, w + 1), map.get(":, 0:{}, 1:", h + 1),
          map.get(":, 1:, 0:{}", w + 1), map.get(":, 1:, 1:")), 4) // [N, H + 1, W + 1, M, 4D]
          .reshape(n, (h + 1) * (w + 1), m, 4 * d));
    }
    return NDArrays.concat(perLevel, 1).reshape(-1, 4 * d);
  }

  /**
   * Per-level sizes broadcast against [N, Lq, M, L, P] (level on axis 3), in libtorch memory; the
   * integer ones index the patch table and are already multiplied by the head count M (its row
   * stride).
   */
  private static final class LevelConstants {
    final NDArray halfWidth;
    final NDArray halfHeight;
    final NDArray lastColumn;
    final NDArray lastRow;
    final NDArray rowStride;
    final NDArray levelStart;
    final NDArray heads;
    private final long patches;
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
      long s = 0;
      for (int i = 0; i < l; i++) {
        hw[i] = (float) levels.width(i) / 2;
        hh[i] = (float) levels.height(i) / 2;
        lastX[i] = levels.width(i) - 1;
        lastY[i] = levels.height(i) - 1;
        stride[i] = (levels.width(i) + 1L) * m;
        start[i] = s * m;
        s += (levels.height(i) + 1L) * (levels.width(i) + 1L);
      }
      patches = s;
      Shape shape = new Shape(1, 1, 1, l, 1);
      halfWidth = GraphSafe.create(manager, hw, shape);
      halfHeight = GraphSafe.create(manager, hh, shape);
      lastColumn = GraphSafe.create(manager, lastX, shape);
      lastRow = GraphSafe.create(manager, lastY, shape);
      rowStride = GraphSafe.create(manager, stride, shape);
      levelStart = GraphSafe.create(manager, start, shape);
      heads = GraphSafe.create(manager, new long[] {m}, new Shape(1));
    }

    /** n * S' * M for image n, shaped [N, 1, 1, 1, 1]. */
    NDArray imageStart(long n, long m) {
      int step = Math.toIntExact(patches * m);
      return manager.arange(0, Math.toIntExact(n * step), step, DataType.INT64)
          .reshape(n, 1, 1, 1, 1);
    }

    /** m for head m, shaped [1, 1, M, 1, 1]. */
    NDArray head(long m) {
      return manager.arange(0, (int) m, 1, DataType.INT64).reshape(1, 1, m, 1, 1);
    }
  }
}

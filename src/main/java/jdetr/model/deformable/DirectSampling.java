package jdetr.model.deformable;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;
import jdetr.autograd.GraphSafe;

/**
 * The multi-scale deformable attention sum of {@link MsDeformAttnCore} without autograd, computed
 * in Java over float arrays: for every query and head, each of its L x P samples reads the (up to)
 * four bilinear corners straight from the value map and adds them, weighted by attention x
 * bilinear weight, to the head's D output channels. Nothing is gathered or materialised besides
 * one copy of the values, locations and attention weights out of libtorch and one copy of the
 * result back.
 *
 * <p>Semantics are grid_sample's (bilinear, zero padding, align_corners=False), with the source
 * coordinate computed in the same float operations as its CPU kernel: g = 2 * loc - 1, pixel =
 * (g + 1) * size / 2 - 0.5; a corner off the map reads 0. The inner loop runs over the D channels
 * of a head, which are contiguous in [N, S, M, D]; for D = 32 (d_model 256, 8 heads) it is written
 * so that the JIT vectorises it ({@link Problem#accumulate32}).
 *
 * <p>The (image, query) rows are shared in chunks among as many threads as libtorch's intra-op
 * count of the calling thread: the caller and helpers from a pool of daemon threads, each taking
 * the next chunk until none is left (a helper the machine does not schedule in time costs
 * nothing).
 */
final class DirectSampling {

  /** (image, query) rows per chunk of work: about a million multiply-adds at R50's sizes. */
  private static final int CHUNK_ROWS = 64;

  /** The head width (d_model 256 / 8 heads) with a vectorised kernel. */
  private static final int WIDTH = 32;

  private DirectSampling() {}

  /** Whether this kernel samples values of this type on this device. */
  static boolean supports(DataType type, Device device) {
    return type == DataType.FLOAT32 && device.equals(Device.cpu());
  }

  /** Whether this kernel can sample these arrays: {@link #supports}, sizes indexable by int. */
  static boolean supports(NDArray value, NDArray locations, NDArray attention) {
    Shape ls = locations.getShape();
    long outputs = ls.get(0) * ls.get(1) * ls.get(2) * value.getShape().get(3); // N * Lq * M * D
    return supports(value.getDataType(), value.getDevice())
        && locations.getDataType() == DataType.FLOAT32
        && attention.getDataType() == DataType.FLOAT32
        && value.size() < Integer.MAX_VALUE && locations.size() < Integer.MAX_VALUE
        && outputs < Integer.MAX_VALUE;
  }

  /**
   * @param value [N, S, M, D] float32 on the CPU
   * @param locations [N, Lq, M, L, P, 2] normalised (x, y)
   * @param attention [N, Lq, M, L, P]
   * @return [N, Lq, M * D] on the manager of {@code value}
   */
  static NDArray sample(NDArray value, FeatureLevels levels, NDArray locations,
      NDArray attention) {
    Shape vs = value.getShape();
    Shape ls = locations.getShape();
    Problem problem = new Problem(levels, (int) vs.get(0), (int) ls.get(1), (int) vs.get(2),
        (int) vs.get(3), (int) ls.get(4), value.toFloatArray(), locations.toFloatArray(),
        attention.toFloatArray());
    float[] out = new float[problem.rows * problem.heads * problem.channels];
    run(problem, out, JniUtils.getNumThreads());
    NDManager manager = value.getManager();
    Shape shape =
        new Shape(problem.images, problem.queries, (long) problem.heads * problem.channels);
    // a copy in libtorch memory: the result may outlive the Java buffer a create() wraps
    return GraphSafe.create(manager, out, shape);
  }

  /** Fills {@code out} ([N, Lq, M, D]) using up to {@code threads} threads. */
  static void run(Problem problem, float[] out, int threads) {
    int chunks = (problem.rows + CHUNK_ROWS - 1) / CHUNK_ROWS;
    int helpers = Math.min(Math.min(threads, Helpers.POOL.getParallelism() + 1), chunks) - 1;
    AtomicInteger next = new AtomicInteger();
    Runnable work = () -> {
      float[] acc = problem.scratch();
      for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
        int from = c * CHUNK_ROWS;
        problem.rows(from, Math.min(problem.rows, from + CHUNK_ROWS), out, acc);
      }
    };
    List<ForkJoinTask<?>> started = new ArrayList<>(Math.max(0, helpers));
    for (int i = 0; i < helpers; i++) {
      started.add(Helpers.POOL.submit(work));
    }
    work.run();
    for (ForkJoinTask<?> task : started) {
      task.join();
    }
  }

  /** One call's sizes and data, in the layouts of {@link MsDeformAttnCore#sample}. */
  static final class Problem {
    final int images;
    final int queries;
    final int heads;
    final int channels;
    final int rows; // images x queries
    private final int levelCount;
    private final int points;
    private final int tokens; // S
    private final int[] widths;
    private final int[] heights;
    private final int[] starts;
    private final float[] halfWidths;
    private final float[] halfHeights;
    private final float[] value; // [N, S, M, D]
    private final float[] locations; // [N, Lq, M, L, P, 2]
    private final float[] attention; // [N, Lq, M, L, P]

    Problem(FeatureLevels levels, int images, int queries, int heads, int channels, int points,
        float[] value, float[] locations, float[] attention) {
      this.images = images;
      this.queries = queries;
      this.heads = heads;
      this.channels = channels;
      this.points = points;
      this.rows = images * queries;
      this.levelCount = levels.count();
      this.tokens = levels.size();
      this.value = value;
      this.locations = locations;
      this.attention = attention;
      widths = new int[levelCount];
      heights = new int[levelCount];
      starts = new int[levelCount];
      halfWidths = new float[levelCount];
      halfHeights = new float[levelCount];
      for (int l = 0; l < levelCount; l++) {
        widths[l] = levels.width(l);
        heights[l] = levels.height(l);
        starts[l] = levels.start(l);
        halfWidths[l] = (float) widths[l] / 2;
        halfHeights[l] = (float) heights[l] / 2;
      }
    }

    /** Rows [from, to) of (image, query), every head; {@code acc} from {@link #scratch()}. */
    void rows(int from, int to, float[] out, float[] acc) {
      int d = channels;
      for (int r = from; r < to; r++) {
        int image = r / queries;
        for (int h = 0; h < heads; h++) {
          Arrays.fill(acc, 0f);
          int sample = (r * heads + h) * levelCount * points; // index into attention
          for (int l = 0; l < levelCount; l++) {
            int w = widths[l];
            int ht = heights[l];
            // value index of cell (y, x), head h: ((image * S + start + y * W + x) * M + h) * D
            int levelBase = (image * tokens + starts[l]) * heads + h;
            for (int p = 0; p < points; p++, sample++) {
              float gx = locations[2 * sample] * 2f - 1f;
              float gy = locations[2 * sample + 1] * 2f - 1f;
              float x = (gx + 1f) * halfWidths[l] - 0.5f;
              float y = (gy + 1f) * halfHeights[l] - 0.5f;
              float x0f = (float) Math.floor(x);
              float y0f = (float) Math.floor(y);
              // a sample with no corner on the map (or NaN) adds nothing
              if (!(x0f >= -1f && x0f <= w - 1 && y0f >= -1f && y0f <= ht - 1)) {
                continue;
              }
              int x0 = (int) x0f;
              int y0 = (int) y0f;
              float west = x - x0f; // distance from the west column
              float north = y - y0f; // distance from the north row
              float east = 1f - west;
              float south = 1f - north;
              float a = attention[sample];
              boolean hasWest = x0 >= 0;
              boolean hasEast = x0 + 1 < w;
              boolean hasNorth = y0 >= 0;
              boolean hasSouth = y0 + 1 < ht;
              float nw = hasNorth && hasWest ? south * east * a : 0f;
              float ne = hasNorth && hasEast ? south * west * a : 0f;
              float sw = hasSouth && hasWest ? north * east * a : 0f;
              float se = hasSouth && hasEast ? north * west * a : 0f;
              // corners off the map have weight 0: read a cell on the map instead
              int xw = hasWest ? x0 : 0;
              int xe = hasEast ? x0 + 1 : w - 1;
              int yn = hasNorth ? y0 : 0;
              int ys = hasSouth ? y0 + 1 : ht - 1;
              int inw = (levelBase + (yn * w + xw) * heads) * d;
              int ine = (levelBase + (yn * w + xe) * heads) * d;
              int isw = (levelBase + (ys * w + xw) * heads) * d;
              int ise = (levelBase + (ys * w + xe) * heads) * d;
              if (d == WIDTH) {
                accumulate32(acc, value, nw, inw, ne, ine, sw, isw, se, ise);
              } else {
                accumulate(acc, value, d, nw, inw, ne, ine, sw, isw, se, ise);
              }
            }
          }
          System.arraycopy(acc, d == WIDTH ? 4 * WIDTH : 0, out, (r * heads + h) * d, d);
        }
      }
    }

    /**
     * {@link #accumulate} for D = {@value #WIDTH}, in {@code scratch}: the corners are copied to
     * its first 4 x 32 floats and summed into the next 32. Loads and stores in one array at
     * constant distances are what the JIT (C2's SuperWord) proves independent and vectorises;
     * loads from {@code v} at data-dependent offsets beside stores to another float array it
     * leaves scalar.
     */
    private static void accumulate32(float[] scratch, float[] v, float nw, int inw, float ne,
        int ine, float sw, int isw, float se, int ise) {
      System.arraycopy(v, inw, scratch, 0, WIDTH);
      System.arraycopy(v, ine, scratch, WIDTH, WIDTH);
      System.arraycopy(v, isw, scratch, 2 * WIDTH, WIDTH);
      System.arraycopy(v, ise, scratch, 3 * WIDTH, WIDTH);
      for (int c = 0; c < WIDTH; c++) {
        scratch[4 * WIDTH + c] += nw * scratch[c] + ne * scratch[WIDTH + c]
            + sw * scratch[2 * WIDTH + c] + se * scratch[3 * WIDTH + c];
      }
    }

    /** A work array for {@link #rows}: D channels, or {@link #accumulate32}'s 5 x 32 floats. */
    float[] scratch() {
      return new float[channels == WIDTH ? 5 * WIDTH : channels];
    }

    /** acc[c] += the four weighted corners' channel c, c < d. */
    private static void accumulate(float[] acc, float[] v, int d, float nw, int inw, float ne,
        int ine, float sw, int isw, float se, int ise) {
      for (int c = 0; c < d; c++) {
        acc[c] += nw * v[inw + c] + ne * v[ine + c] + sw * v[isw + c] + se * v[ise + c];
      }
    }
  }

  /** The helper threads, created on first use. */
  private static final class Helpers {
    static final ForkJoinPool POOL =
        new ForkJoinPool(Math.max(1, Runtime.getRuntime().availableProcessors() - 1));
  }
}

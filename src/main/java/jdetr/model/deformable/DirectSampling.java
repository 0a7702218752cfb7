package jdetr.model.deformable;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.lang.ref.SoftReference;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import jdetr.model.deformable.DirectSamplingKernel.Locations;

/**
 * The multi-scale deformable attention sum of {@link MsDeformAttnCore} without autograd, computed
 * in Java ({@link DirectSamplingKernel}): every sample reads its four bilinear corners straight
 * from the value map. Nothing is gathered or materialised besides one head-major copy of the
 * values in a Java array (reused from call to call, padded tokens zeroed on the way); the
 * offsets, attention weights and reference points are read block by block from libtorch's memory
 * and the result is written block by block into a libtorch array. {@link #sampleInput} takes the
 * sum over the input features instead (read in place in libtorch's memory), for MSDeformAttn to
 * project per head.
 *
 * <p>The value copy (by blocks of tokens) and the sampling (by blocks of {@value #BLOCK_ROWS}
 * (image, query) rows) are shared among as many threads as libtorch's intra-op count of the
 * calling thread: the caller and helpers from a pool of daemon threads, each taking the next block
 * until none is left (a helper the machine does not schedule in time costs nothing).
 */
final class DirectSampling {

  /** (image, query) rows per block: about a million multiply-adds at R50's sizes. */
  static final int BLOCK_ROWS = 64;

  /** Tokens per block of the value copy. */
  private static final int BLOCK_TOKENS = 256;

  private DirectSampling() {}

  /** Whether this kernel samples values of this type on this device. */
  static boolean supports(DataType type, Device device) {
    return type == DataType.FLOAT32 && device.equals(Device.cpu());
  }

  /**
   * Whether this kernel can sample these arrays ({@link #supports}, every index fits an int).
   *
   * @param value [N, S, C] or [N, S, M, D]
   * @param samples the offsets (or locations) [N, Lq, M x L x P x 2]
   * @param attention [N, Lq, M x L x P]
   * @param outputs N x Lq x C
   */
  static boolean supports(NDArray value, NDArray samples, NDArray attention, long outputs) {
    return supports(value.getDataType(), value.getDevice())
        && samples.getDataType() == DataType.FLOAT32
        && attention.getDataType() == DataType.FLOAT32
        && value.size() < Integer.MAX_VALUE && samples.size() < Integer.MAX_VALUE
        && outputs < Integer.MAX_VALUE;
  }

  /**
   * @param value [N, S, M, D] float32 on the CPU
   * @param locations [N, Lq, M, L, P, 2] normalised (x, y)
   * @param attention [N, Lq, M, L, P]
   * @return [N, Lq, M * D] on the manager of {@code value}
   */
  static NDArray sample(NDArray value, FeatureLevels levels, NDArray locations,
      NDArray attention, int threads) {
    Shape ls = locations.getShape();
    return sample(value, null, levels, Locations.ABSOLUTE, null, locations, attention,
        (int) ls.get(2), (int) ls.get(4), threads);
  }

  /**
   * MSDeformAttn's sum from the raw sampling offsets and the reference points.
   *
   * @param value [N, S, C] projected values (C = M x D), float32 on the CPU
   * @param paddingMask [N, S] boolean, true = padding (read as value 0); or null
   * @param reference [N, Lq, L, 2] normalised (x, y), or [N, Lq, L, 4] (cx, cy, w, h)
   * @param offsets [N, Lq, M x L x P x 2] the sampling offsets
   * @param attention [N, Lq, M x L x P] attention weights (after the softmax)
   * @return [N, Lq, C] on the manager of {@code value}
   */
  static NDArray sample(NDArray value, NDArray paddingMask, FeatureLevels levels,
      NDArray reference, NDArray offsets, NDArray attention, int heads, int points, int threads) {
    Locations form = reference.getShape().get(3) == 4 ? Locations.BOXES : Locations.POINTS;
    return sample(value, paddingMask, levels, form, reference, offsets, attention, heads, points,
        threads);
  }

  private static NDArray sample(NDArray value, NDArray paddingMask, FeatureLevels levels,
      Locations form, NDArray reference, NDArray offsets, NDArray attention, int heads, int points,
      int threads) {
    int n = (int) value.getShape().get(0);
    int s = levels.size();
    int c = (int) (value.size() / ((long) n * s));
    int lq = (int) (attention.size() / ((long) n * heads * levels.count() * points));
    float[] map = ValueMaps.take(n * s * c);
    try {
      DirectSamplingKernel kernel =
          new DirectSamplingKernel(levels, n, lq, heads, c / heads, points, form, map);
      copyValues(value, paddingMask, kernel, map, threads);
      NDArray result = value.getManager().create(new Shape(n, lq, c), DataType.FLOAT32);
      FloatBuffer out = floats(result);
      FloatBuffer off = floats(offsets);
      FloatBuffer att = floats(attention);
      FloatBuffer ref = reference == null ? null : floats(reference);
      int rows = kernel.rows();
      int perRow = kernel.samplesPerRow();
      int refPerRow = kernel.referencePerRow();
      int outPerRow = kernel.outputPerRow();
      parallel((rows + BLOCK_ROWS - 1) / BLOCK_ROWS, threads, () -> {
        DirectSamplingKernel.Block block = kernel.new Block(BLOCK_ROWS);
        FloatBuffer o = off.duplicate();
        FloatBuffer a = att.duplicate();
        FloatBuffer r = ref == null ? null : ref.duplicate();
        FloatBuffer dst = out.duplicate();
        return b -> {
          int from = b * BLOCK_ROWS;
          int count = Math.min(BLOCK_ROWS, rows - from);
          o.get(from * perRow * 2, block.offsets, 0, count * perRow * 2);
          a.get(from * perRow, block.attention, 0, count * perRow);
          if (r != null) {
            r.get(from * refPerRow, block.reference, 0, count * refPerRow);
          }
          kernel.sample(from, count, block);
          dst.put(from * outPerRow, block.out, 0, count * outPerRow);
        };
      });
      return result;
    } finally {
      ValueMaps.give(map);
    }
  }

  /**
   * MSDeformAttn's sum taken over the input features instead of the values ({@link
   * DirectSamplingKernel#sampleInput}): for few queries over a large map, where projecting
   * every token would cost more than projecting the sums.
   *
   * @param input [N, S, C] the features value_proj would project, float32 on the CPU
   * @param paddingMask [N, S] boolean, true = padding; or null
   * @param reference [N, Lq, L, 2] or [N, Lq, L, 4]
   * @param offsets [N, Lq, M x L x P x 2] the sampling offsets
   * @param attention [N, Lq, M x L x P] attention weights (after the softmax)
   * @return [M, N x Lq, C] each head's weighted sums of input features, and [M, N x Lq, 1] the
   *     sums of their weights, on the manager of {@code input}
   */
  static NDList sampleInput(NDArray input, NDArray paddingMask, FeatureLevels levels,
      NDArray reference, NDArray offsets, NDArray attention, int heads, int points, int threads) {
    Locations form = reference.getShape().get(3) == 4 ? Locations.BOXES : Locations.POINTS;
    int n = (int) input.getShape().get(0);
    int c = (int) input.getShape().get(2);
    int lq = (int) (attention.size() / ((long) n * heads * levels.count() * points));
    DirectSamplingKernel kernel =
        new DirectSamplingKernel(levels, n, lq, heads, c / heads, points, form, null);
    int rows = kernel.rows();
    NDArray sums = input.getManager().create(new Shape(heads, rows, c), DataType.FLOAT32);
    NDArray weights = input.getManager().create(new Shape(heads, rows, 1), DataType.FLOAT32);
    FloatBuffer features = floats(input);
    ByteBuffer mask = paddingMask == null ? null : paddingMask.toByteBuffer(true);
    FloatBuffer off = floats(offsets);
    FloatBuffer att = floats(attention);
    FloatBuffer ref = floats(reference);
    FloatBuffer sumsOut = floats(sums);
    FloatBuffer weightsOut = floats(weights);
    int perRow = kernel.samplesPerRow();
    int refPerRow = kernel.referencePerRow();
    parallel((rows + BLOCK_ROWS - 1) / BLOCK_ROWS, threads, () -> {
      DirectSamplingKernel.Block block = kernel.new Block(BLOCK_ROWS, c);
      FloatBuffer f = features.duplicate();
      ByteBuffer padding = mask == null ? null : mask.duplicate();
      FloatBuffer o = off.duplicate();
      FloatBuffer a = att.duplicate();
      FloatBuffer r = ref.duplicate();
      FloatBuffer sumsDst = sumsOut.duplicate();
      FloatBuffer weightsDst = weightsOut.duplicate();
      return b -> {
        int from = b * BLOCK_ROWS;
        int count = Math.min(BLOCK_ROWS, rows - from);
        o.get(from * perRow * 2, block.offsets, 0, count * perRow * 2);
        a.get(from * perRow, block.attention, 0, count * perRow);
        r.get(from * refPerRow, block.reference, 0, count * refPerRow);
        kernel.sampleInput(from, count, block, f, padding);
        for (int h = 0; h < heads; h++) {
          sumsDst.put((h * rows + from) * c, block.out, h * count * c, count * c);
          weightsDst.put(h * rows + from, block.weightSums, h * count, count);
        }
      };
    });
    return new NDList(sums, weights);
  }

  /** Copies [N, S, M x D] (zero at padded tokens) into the kernel's [N, M, S, D]. */
  private static void copyValues(NDArray value, NDArray paddingMask, DirectSamplingKernel kernel,
      float[] map, int threads) {
    FloatBuffer source = floats(value);
    ByteBuffer mask = paddingMask == null ? null : paddingMask.toByteBuffer(true);
    int s = kernel.tokens;
    int m = kernel.heads;
    int d = kernel.channels;
    int c = m * d;
    int tokens = kernel.images * s; // (image, token) pairs, g = image * S + token
    parallel((tokens + BLOCK_TOKENS - 1) / BLOCK_TOKENS, threads, () -> {
      float[] rows = new float[BLOCK_TOKENS * c];
      FloatBuffer src = source.duplicate();
      return b -> {
        int from = b * BLOCK_TOKENS;
        int count = Math.min(BLOCK_TOKENS, tokens - from);
        src.get(from * c, rows, 0, count * c);
        for (int i = 0; i < count; i++) {
          int g = from + i;
          int image = g / s;
          int token = g - image * s;
          boolean padded = mask != null && mask.get(g) != 0;
          for (int h = 0; h < m; h++) {
            int at = ((image * m + h) * s + token) * d;
            if (padded) {
              Arrays.fill(map, at, at + d, 0f);
            } else {
              System.arraycopy(rows, i * c + h * d, map, at, d);
            }
          }
        }
      };
    });
  }

  /** A float view of a float32 CPU array's memory (of a contiguous copy if it is not). */
  private static FloatBuffer floats(NDArray array) {
    return array.toByteBuffer(true).asFloatBuffer();
  }

  /**
   * Runs tasks 0..count-1 on up to {@code threads} threads; each thread runs the consumer that
   * {@code perThread} makes for it. Returns when every started thread is done.
   */
  static void parallel(int count, int threads, Supplier<IntConsumer> perThread) {
    int helpers = Math.min(Math.min(threads, Helpers.POOL.getParallelism() + 1), count) - 1;
    AtomicInteger next = new AtomicInteger();
    Runnable work = () -> {
      IntConsumer task = perThread.get();
      for (int t = next.getAndIncrement(); t < count; t = next.getAndIncrement()) {
        task.accept(t);
      }
    };
    List<ForkJoinTask<?>> started = new ArrayList<>(Math.max(0, helpers));
    try {
      for (int i = 0; i < helpers; i++) {
        started.add(Helpers.POOL.submit(work));
      }
      work.run();
    } finally {
      next.set(count); // after a failure, helpers stop at their next task
      for (ForkJoinTask<?> task : started) {
        task.quietlyJoin(); // every helper is done before the caller's arrays are reused
      }
    }
    for (ForkJoinTask<?> task : started) {
      task.join(); // rethrows a helper's failure
    }
  }

  /** The helper threads, created on first use. */
  private static final class Helpers {
    static final ForkJoinPool POOL =
        new ForkJoinPool(Math.max(1, Runtime.getRuntime().availableProcessors() - 1));
  }

  /**
   * Value maps free for the next call (softly held: the collector may take them when memory is
   * short): one per concurrent caller, each as large as the largest map it held.
   */
  private static final class ValueMaps {
    private static final ConcurrentLinkedQueue<SoftReference<float[]>> FREE =
        new ConcurrentLinkedQueue<>();

    static float[] take(int size) {
      for (SoftReference<float[]> ref = FREE.poll(); ref != null; ref = FREE.poll()) {
        float[] map = ref.get();
        if (map != null && map.length >= size) {
          return map;
        }
      }
      return new float[size];
    }

    static void give(float[] map) {
      FREE.add(new SoftReference<>(map));
    }
  }
}

package jdetr.autograd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Constants and scalar arithmetic for computations that are differentiated, built so that every
 * tensor autograd keeps for the backward pass is memory libtorch allocated and reference-counts.
 *
 * <p><b>Why.</b> On the CPU, DJL's PyTorch engine turns Java data into a tensor <i>without a copy</i>:
 * {@code NDManager.create(float[] ...)} (and every other {@code create} from Java values) wraps a
 * direct {@code ByteBuffer} with {@code torch::from_blob}, and only the Java {@code NDArray} keeps that
 * buffer reachable. {@code NDArray.close()} drops it, and the next garbage collection frees the
 * memory, while the autograd graph may still hold the tensor: {@code mul} and {@code div} keep their
 * other operand, {@code pow} its exponent, {@code gather} its index, {@code clamp} its bounds. The
 * backward pass then reads freed memory and produces wrong gradients (or an "index out of bounds"
 * error), depending on when the collector ran. Two sources of such tensors exist:
 *
 * <ul>
 *   <li>constants made from Java arrays and closed before {@code backward} (a sub-manager closed on
 *       return): {@link #create(NDManager, float[], Shape)} copies them into libtorch memory;
 *   <li>DJL's own scalar overloads, which create the scalar from Java memory and close it at once:
 *       {@code NDArray.mul/div/pow/maximum/minimum(Number)} and {@code clip(Number, Number)} (whose
 *       bounds live until their manager closes). Use {@link #mul}, {@link #div}, {@link #pow} and
 *       {@link #clip} instead. {@code add(Number)} and {@code sub(Number)} are safe (autograd keeps no
 *       operand of an addition), as are comparisons (no gradient).
 * </ul>
 *
 * Results are attached to the manager of the array operated on, like DJL's own operations; values
 * and gradients are those of the DJL operations they replace.
 */
public final class GraphSafe {

  private GraphSafe() {}

  /** A float32 tensor holding a copy of {@code data} in libtorch memory, attached to {@code manager}. */
  public static NDArray create(NDManager manager, float[] data, Shape shape) {
    try (NDArray javaOwned = manager.create(data, shape)) {
      return javaOwned.duplicate();
    }
  }

  /** An int64 tensor holding a copy of {@code data} in libtorch memory, attached to {@code manager}. */
  public static NDArray create(NDManager manager, long[] data, Shape shape) {
    try (NDArray javaOwned = manager.create(data, shape)) {
      return javaOwned.duplicate();
    }
  }

  /** {@code x * c}, element-wise; {@code x} floating point. */
  public static NDArray mul(NDArray x, float c) {
    try (NDArray scalar = scalar(x, c)) {
      return x.mul(scalar);
    }
  }

  /** {@code x / c}, element-wise; {@code x} floating point. */
  public static NDArray div(NDArray x, float c) {
    try (NDArray scalar = scalar(x, c)) {
      return x.div(scalar);
    }
  }

  /** {@code x ^ c}, element-wise; {@code x} floating point. */
  public static NDArray pow(NDArray x, float c) {
    try (NDArray scalar = scalar(x, c)) {
      return x.pow(scalar);
    }
  }

  /**
   * {@code clamp(x, min, max)} with PyTorch's values (NaN stays NaN) and gradient: the incoming
   * gradient where {@code min <= x <= max}, bounds included, and 0 elsewhere.
   */
  public static NDArray clip(NDArray x, float min, float max) {
    NDArray clamped;
    try (NDArray constant = x.stopGradient()) {
      clamped = constant.clip(min, max); // no gradient is recorded, so nothing keeps the bounds
    }
    try (NDArray atLeastMin = x.gte(min);
        NDArray atMostMax = x.lte(max);
        NDArray inside = atLeastMin.logicalAnd(atMostMax)) {
      NDArray out = NDArrays.where(inside, x, clamped); // inside: x itself, which carries the gradient
      clamped.close();
      return out;
    }
  }

  /**
   * A 0-dim array of {@code like}'s type; float32 for a bfloat16 array, which DJL reports as
   * UNKNOWN and cannot create (libtorch keeps bfloat16 when a 0-dim float32 joins it).
   */
  private static NDArray scalar(NDArray like, float value) {
    DataType type = like.getDataType() == DataType.UNKNOWN ? DataType.FLOAT32 : like.getDataType();
    return like.getManager().full(new Shape(), value, type);
  }
}

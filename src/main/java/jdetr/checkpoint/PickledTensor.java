package jdetr.checkpoint;

import java.util.Arrays;

/**
 * A tensor as {@code torch._utils._rebuild_tensor_v2} describes it: a view (offset, sizes,
 * strides, all in elements) into a storage. It holds no data; {@link TorchCheckpoint#load} reads
 * the elements it covers.
 */
public record PickledTensor(
    PickledStorage storage, long storageOffset, long[] shape, long[] stride, boolean requiresGrad) {

  /**
   * Checks a rebuild call's arguments: non-negative sizes, strides and offset, an element count
   * and converted size within {@code limits}, and every addressed element inside the storage.
   */
  static PickledTensor rebuild(
      PickledStorage storage, long offset, long[] shape, long[] stride, boolean requiresGrad,
      CheckpointLimits limits, String where) throws UnsafeCheckpointException {
    String what = "tensor on storage '" + storage.key() + "' (" + where + ")";
    if (shape.length != stride.length) {
      throw new UnsafeCheckpointException(what + ": " + shape.length + " sizes but "
          + stride.length + " strides");
    }
    if (offset < 0) {
      throw new UnsafeCheckpointException(what + ": negative storage offset " + offset);
    }
    long numel = 1;
    long lastElement = offset;
    try {
      for (int d = 0; d < shape.length; d++) {
        if (shape[d] < 0 || stride[d] < 0) {
          throw new UnsafeCheckpointException(what + ": negative size or stride in dim " + d
              + " (sizes " + Arrays.toString(shape) + ", strides " + Arrays.toString(stride) + ")");
        }
        numel = Math.multiplyExact(numel, shape[d]);
        if (shape[d] > 0) {
          lastElement = Math.addExact(lastElement, Math.multiplyExact(shape[d] - 1, stride[d]));
        }
      }
      long bytes = Math.multiplyExact(numel, (long) storage.type().loadedAs().getNumOfBytes());
      if (bytes > limits.maxTensorBytes()) {
        throw new UnsafeCheckpointException(what + ": sizes " + Arrays.toString(shape) + " need "
            + bytes + " bytes, above the cap of " + limits.maxTensorBytes() + " bytes per tensor");
      }
    } catch (ArithmeticException e) {
      throw new UnsafeCheckpointException(what + ": sizes " + Arrays.toString(shape)
          + " with strides " + Arrays.toString(stride) + " overflow 64 bits");
    }
    if (numel > 0 && lastElement >= storage.numel()) {
      throw new UnsafeCheckpointException(what + ": offset " + offset + " with sizes "
          + Arrays.toString(shape) + " and strides " + Arrays.toString(stride)
          + " reaches element " + lastElement + ", beyond the storage's " + storage.numel()
          + " elements");
    }
    return new PickledTensor(storage, offset, shape.clone(), stride.clone(), requiresGrad);
  }

  /** Sizes per dimension (a copy). */
  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** Strides per dimension, in elements (a copy). */
  @Override
  public long[] stride() {
    return stride.clone();
  }

  /** Number of elements. */
  public long numel() {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    return n;
  }

  /** True when the elements are laid out row-major without gaps (size-1 dims ignored). */
  public boolean isContiguous() {
    long expected = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      if (shape[d] != 1 && stride[d] != expected) {
        return false;
      }
      expected *= shape[d];
    }
    return true;
  }

  @Override
  public String toString() {
    return storage.type().torchDtype() + Arrays.toString(shape);
  }
}

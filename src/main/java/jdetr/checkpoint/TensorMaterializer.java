package jdetr.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads the elements a {@link PickledTensor} view covers and makes a contiguous NDArray of them:
 * the storage span from the view's offset to its last element is read once, then walked with the
 * view's strides; float16, bfloat16 and float64 are converted to float32 on the way.
 */
final class TensorMaterializer {

  private TensorMaterializer() {}

  static NDArray load(PickledTensor t, StorageSource source, NDManager manager)
      throws IOException {
    TorchStorageType type = t.storage().type();
    DataType out = type.loadedAs();
    long[] sizes = t.shape();
    long[] strides = t.stride();
    Shape shape = new Shape(sizes);
    long numel = t.numel();
    if (numel == 0) {
      return manager.zeros(shape, out);
    }
    long lastElement = 0;
    for (int d = 0; d < sizes.length; d++) {
      lastElement += (sizes[d] - 1) * strides[d];
    }
    long spanBytes = (lastElement + 1) * type.elementSize();
    if (spanBytes > Integer.MAX_VALUE - 8) {
      throw new UnsafeCheckpointException("tensor on storage '" + t.storage().key()
          + "' spans " + spanBytes + " bytes of its storage, more than one buffer holds");
    }
    ByteBuffer span = ByteBuffer.allocateDirect((int) spanBytes).order(ByteOrder.LITTLE_ENDIAN);
    source.read(t.storage(), t.storageOffset(), span);
    span.flip();
    boolean sameType = out.getNumOfBytes() == type.elementSize() && type != TorchStorageType.BOOL;
    if (sameType && t.isContiguous()) {
      return manager.create(span, shape, out);
    }
    ByteBuffer dst = ByteBuffer.allocateDirect((int) (numel * out.getNumOfBytes()))
        .order(ByteOrder.LITTLE_ENDIAN);
    long[] index = new long[sizes.length];
    long element = 0; // relative to the view's offset
    for (long i = 0; i < numel; i++) {
      copyElement(type, span, (int) (element * type.elementSize()), dst);
      for (int d = sizes.length - 1; d >= 0; d--) {
        index[d]++;
        element += strides[d];
        if (index[d] < sizes[d]) {
          break;
        }
        element -= strides[d] * sizes[d];
        index[d] = 0;
      }
    }
    dst.flip();
    return manager.create(dst, shape, out);
  }

  private static void copyElement(TorchStorageType type, ByteBuffer src, int at, ByteBuffer dst) {
    switch (type) {
      case FLOAT -> dst.putFloat(src.getFloat(at));
      case DOUBLE -> dst.putFloat((float) src.getDouble(at));
      case HALF -> dst.putFloat(halfToFloat(src.getShort(at)));
      case BFLOAT16 -> dst.putFloat(Float.intBitsToFloat((src.getShort(at) & 0xffff) << 16));
      case LONG -> dst.putLong(src.getLong(at));
      case INT -> dst.putInt(src.getInt(at));
      case SHORT -> dst.putInt(src.getShort(at));
      case CHAR, BYTE -> dst.put(src.get(at));
      case BOOL -> dst.put(src.get(at) != 0 ? (byte) 1 : (byte) 0);
    }
  }

  /** IEEE 754 binary16 to binary32; exact (every half value is a float). */
  static float halfToFloat(short half) {
    int bits = half & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    if (exponent == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      float subnormal = mantissa * 0x1p-24f;
      return sign != 0 ? -subnormal : subnormal;
    }
    return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }
}

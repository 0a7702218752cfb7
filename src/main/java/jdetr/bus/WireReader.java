package jdetr.bus;

import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Reads what {@link WireWriter} wrote, within one frame {@code [pos, end)}. Every length and dim
 * is checked against the bytes actually present before anything is allocated, so a corrupt or
 * hostile frame fails with a {@link WireFormatException} naming the codec and field.
 */
public final class WireReader {
  /** Upper bound on the rank of an array header. */
  private static final int MAX_RANK = 8;

  private final String codec;
  private final Buffer buffer;
  private final int end;
  private int pos;

  WireReader(String codec, Buffer buffer, int pos, int end) {
    this.codec = codec;
    this.buffer = buffer;
    this.pos = pos;
    this.end = end;
  }

  /** The name of the codec reading, for error messages. */
  String codec() {
    return codec;
  }

  public int readInt(String field) {
    need(field, 4);
    int v = buffer.getIntLE(pos);
    pos += 4;
    return v;
  }

  public long readLong(String field) {
    need(field, 8);
    long v = buffer.getLongLE(pos);
    pos += 8;
    return v;
  }

  public double readDouble(String field) {
    need(field, 8);
    double v = buffer.getDoubleLE(pos);
    pos += 8;
    return v;
  }

  public float readFloat(String field) {
    need(field, 4);
    float v = buffer.getFloatLE(pos);
    pos += 4;
    return v;
  }

  /** Reads a boolean written by {@link WireWriter#writeBoolean}; anything but 1 or 0 is refused. */
  public boolean readBoolean(String field) {
    int v = readInt(field);
    if (v != 0 && v != 1) {
      throw new WireFormatException(codec + ": field " + field + " has value " + v
          + ", expected a boolean (0 or 1)");
    }
    return v == 1;
  }

  /** Reads a string written by {@link WireWriter#writeString}, at most {@code maxBytes} long. */
  public String readString(String field, int maxBytes) {
    int n = readInt(field + ".length");
    if (n < 0 || n > maxBytes) {
      throw new WireFormatException(codec + ": field " + field + " claims " + n
          + " bytes, expected 0.." + maxBytes);
    }
    need(field, n);
    String s = buffer.getString(pos, pos + n, "UTF-8");
    pos += n;
    return s;
  }

  /** Reads a double array whose shape must match {@code expected} (-1 = any size on that axis). */
  public double[] readDoubles(String field, int... expected) {
    int count = readShape(field, expected, Double.BYTES);
    double[] out = new double[count];
    ByteBuffer.wrap(buffer.getBytes(pos, pos + count * Double.BYTES))
        .order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(out);
    pos += count * Double.BYTES;
    return out;
  }

  /** Reads a float array whose shape must match {@code expected} (-1 = any size on that axis). */
  public float[] readFloats(String field, int... expected) {
    int count = readShape(field, expected, Float.BYTES);
    float[] out = new float[count];
    ByteBuffer.wrap(buffer.getBytes(pos, pos + count * Float.BYTES))
        .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    pos += count * Float.BYTES;
    return out;
  }

  /** Reads an int array whose shape must match {@code expected} (-1 = any size on that axis). */
  public int[] readInts(String field, int... expected) {
    int count = readShape(field, expected, Integer.BYTES);
    int[] out = new int[count];
    ByteBuffer.wrap(buffer.getBytes(pos, pos + count * Integer.BYTES))
        .order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(out);
    pos += count * Integer.BYTES;
    return out;
  }

  void expectEnd() {
    if (pos != end) {
      throw new WireFormatException(codec + ": " + (end - pos) + " trailing bytes after the last field");
    }
  }

  private int readShape(String field, int[] expected, int elementBytes) {
    int rank = readInt(field + ".rank");
    if (rank != expected.length || rank > MAX_RANK) {
      throw new WireFormatException(codec + ": field " + field + " has rank " + rank
          + ", expected " + expected.length);
    }
    int[] shape = new int[rank];
    long count = 1;
    for (int i = 0; i < rank; i++) {
      shape[i] = readInt(field + ".shape");
      if (shape[i] < 0 || (expected[i] >= 0 && shape[i] != expected[i])) {
        throw new WireFormatException(codec + ": field " + field + " has shape "
            + Arrays.toString(Arrays.copyOf(shape, i + 1)) + "…, expected " + Arrays.toString(expected));
      }
      count *= shape[i]; // both factors < 2^31: no overflow
      if (count * elementBytes > end - pos) {
        throw new WireFormatException(codec + ": field " + field + " claims at least " + count
            + " values but only " + (end - pos) + " bytes remain");
      }
    }
    return (int) count;
  }

  private void need(String field, int bytes) {
    if (end - pos < bytes) {
      throw new WireFormatException(codec + ": frame ends inside field " + field);
    }
  }
}

package jdetr.bus;

import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Appends little-endian scalars and shaped arrays to a buffer. An array is written as
 * {@code [int32 rank][int32 dim]×rank[values]}; the value count is the product of the dims.
 */
public final class WireWriter {
  private final Buffer buffer;

  WireWriter(Buffer buffer) {
    this.buffer = buffer;
  }

  public WireWriter writeInt(int value) {
    buffer.appendIntLE(value);
    return this;
  }

  public WireWriter writeLong(long value) {
    buffer.appendLongLE(value);
    return this;
  }

  public WireWriter writeDouble(double value) {
    buffer.appendDoubleLE(value);
    return this;
  }

  public WireWriter writeFloat(float value) {
    buffer.appendFloatLE(value);
    return this;
  }

  /** Writes a boolean as an int32, 1 or 0. */
  public WireWriter writeBoolean(boolean value) {
    buffer.appendIntLE(value ? 1 : 0);
    return this;
  }

  /** Writes a string as {@code [int32 byte count][UTF-8 bytes]}. */
  public WireWriter writeString(String value) {
    byte[] bytes = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    buffer.appendIntLE(bytes.length);
    buffer.appendBytes(bytes);
    return this;
  }

  /** Writes {@code data} with its shape; {@code data.length} must equal the product of the dims. */
  public WireWriter writeDoubles(double[] data, int... shape) {
    writeShape(data.length, shape);
    ByteBuffer bytes = ByteBuffer.allocate(data.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asDoubleBuffer().put(data);
    buffer.appendBytes(bytes.array());
    return this;
  }

  /** Writes {@code data} with its shape; {@code data.length} must equal the product of the dims. */
  public WireWriter writeFloats(float[] data, int... shape) {
    writeShape(data.length, shape);
    ByteBuffer bytes = ByteBuffer.allocate(data.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(data);
    buffer.appendBytes(bytes.array());
    return this;
  }

  /** Writes {@code data} with its shape; {@code data.length} must equal the product of the dims. */
  public WireWriter writeInts(int[] data, int... shape) {
    writeShape(data.length, shape);
    ByteBuffer bytes = ByteBuffer.allocate(data.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asIntBuffer().put(data);
    buffer.appendBytes(bytes.array());
    return this;
  }

  private void writeShape(int count, int[] shape) {
    long product = 1;
    for (int d : shape) {
      product *= d;
    }
    if (product != count) {
      throw new IllegalArgumentException("array of " + count + " values does not have shape "
          + java.util.Arrays.toString(shape));
    }
    buffer.appendIntLE(shape.length);
    for (int d : shape) {
      buffer.appendIntLE(d);
    }
  }
}

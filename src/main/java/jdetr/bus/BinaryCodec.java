package jdetr.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Base of the event-bus codecs for messages that carry numbers.
 *
 * <p>On the wire a message is {@code [int32 LE body length][int32 LE format tag][fields…]}, where
 * arrays are written by {@link WireWriter} as a shape header followed by little-endian values. No
 * Java serialization and no JSON arrays of numbers are involved. Within one JVM {@link #transform}
 * hands the same object to the consumer without copying: messages are immutable records and
 * neither side may change their arrays after sending.
 *
 * @param <T> the message record
 */
public abstract class BinaryCodec<T> implements MessageCodec<T, T> {

  private final Class<T> type;
  private final int formatTag;

  /**
   * @param type the message class (also the default-codec key)
   * @param formatTag a constant identifying the message type and its layout version; a mismatch
   *     on decode means the two nodes run different builds
   */
  protected BinaryCodec(Class<T> type, int formatTag) {
    this.type = type;
    this.formatTag = formatTag;
  }

  /** The message class this codec encodes. */
  public final Class<T> type() {
    return type;
  }

  /** Writes the fields of {@code message}. */
  protected abstract void write(WireWriter out, T message);

  /** Reads the fields written by {@link #write}; the reader checks every length against the frame. */
  protected abstract T read(WireReader in);

  @Override
  public final void encodeToWire(Buffer buffer, T message) {
    int start = buffer.length();
    buffer.appendIntLE(0); // body length, patched below
    buffer.appendIntLE(formatTag);
    write(new WireWriter(buffer), message);
    buffer.setIntLE(start, buffer.length() - start - 4);
  }

  @Override
  public final T decodeFromWire(int pos, Buffer buffer) {
    if (pos < 0 || pos + 8 > buffer.length()) {
      throw new WireFormatException(name() + ": frame of " + (buffer.length() - pos)
          + " bytes is shorter than the 8-byte header");
    }
    int bodyLength = buffer.getIntLE(pos);
    int end = pos + 4 + bodyLength;
    if (bodyLength < 4 || end > buffer.length() || end < pos) {
      throw new WireFormatException(name() + ": body length " + bodyLength + " does not fit the "
          + (buffer.length() - pos - 4) + " bytes received");
    }
    int tag = buffer.getIntLE(pos + 4);
    if (tag != formatTag) {
      throw new WireFormatException(name() + ": format tag 0x" + Integer.toHexString(tag)
          + ", expected 0x" + Integer.toHexString(formatTag) + " (nodes running different builds?)");
    }
    WireReader in = new WireReader(name(), buffer, pos + 8, end);
    T message = read(in);
    in.expectEnd();
    return message;
  }

  @Override
  public final T transform(T message) {
    return message;
  }

  @Override
  public String name() {
    return "jdetr." + type.getSimpleName();
  }

  @Override
  public final byte systemCodecID() {
    return -1;
  }
}

package jdetr.bus;

/**
 * Follows the frames of one inbound clustered event-bus stream — each a 4-byte big-endian length
 * and that many bytes — and refuses a frame whose announced length is not positive or exceeds the
 * cap, before any of its body arrives (nothing is buffered: bytes only pass through). Used by one
 * thread at a time.
 */
public final class FrameLimit {
  private final int maxFrameBytes;
  private int headerBytes;
  private int header;
  private long bodyLeft;
  private long frames;

  /** A frame announced a length it may not have. */
  public static final class FrameRefusedException extends Exception {
    FrameRefusedException(long claimed, int max) {
      super("event-bus frame of " + claimed + " bytes refused (the limit is " + max + " bytes)");
    }
  }

  public FrameLimit(int maxFrameBytes) {
    if (maxFrameBytes <= 0) {
      throw new IllegalArgumentException("maximum event-bus frame must be positive, not " + maxFrameBytes);
    }
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Reads {@code length} bytes of the stream from {@code bytes[offset]}. */
  public void accept(byte[] bytes, int offset, int length) throws FrameRefusedException {
    int i = offset;
    int end = offset + length;
    while (i < end) {
      if (bodyLeft > 0) {
        int take = (int) Math.min(bodyLeft, end - i);
        bodyLeft -= take;
        i += take;
        continue;
      }
      header = (header << 8) | (bytes[i++] & 0xff);
      if (++headerBytes == 4) {
        if (header <= 0 || header > maxFrameBytes) {
          throw new FrameRefusedException(Integer.toUnsignedLong(header), maxFrameBytes);
        }
        bodyLeft = header;
        headerBytes = 0;
        header = 0;
        frames++;
      }
    }
  }

  /** Frames whose header has been read. */
  public long frames() {
    return frames;
  }
}

package jdetr.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * The bytes of one pickle stream: a window of a file (read lazily through a small buffer) or an
 * array. Every read checks the remaining length first, so a length field in a hostile pickle can
 * never make it allocate more than the stream holds.
 */
final class PickleInput {
  private static final int BUFFER = 64 * 1024;

  private final FileChannel channel;
  private final long start;
  private final long end;
  private final String source;
  private final ByteBuffer buffer;
  private long bufferStart;
  private long position;

  /** The bytes [start, end) of a file; offsets are reported relative to {@code start}. */
  PickleInput(FileChannel channel, long start, long end, String source) {
    this.channel = channel;
    this.start = start;
    this.end = end;
    this.source = source;
    this.buffer = ByteBuffer.allocate(BUFFER).order(ByteOrder.LITTLE_ENDIAN).limit(0);
    this.bufferStart = start;
    this.position = start;
  }

  /** An in-memory pickle. */
  PickleInput(byte[] data, String source) {
    this.channel = null;
    this.start = 0;
    this.end = data.length;
    this.source = source;
    this.buffer = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    this.bufferStart = 0;
    this.position = 0;
  }

  /** Where the pickle comes from, for messages ({@code file!archive/data.pkl}). */
  String source() {
    return source;
  }

  /** Offset of the next byte, relative to the start of the stream. */
  long offset() {
    return position - start;
  }

  /** Absolute position of the next byte in the file. */
  long filePosition() {
    return position;
  }

  long remaining() {
    return end - position;
  }

  int readUnsignedByte(String what) throws IOException {
    require(1, what);
    fill(1);
    position++;
    return buffer.get() & 0xff;
  }

  /** Little-endian unsigned integer of 1, 2, 4 or 8 bytes (8 bytes: must fit a signed long). */
  long readUnsigned(int bytes, String what) throws IOException {
    require(bytes, what);
    long v = 0;
    for (int i = 0; i < bytes; i++) {
      v |= ((long) readUnsignedByte(what)) << (8 * i);
    }
    return v;
  }

  byte[] readBytes(long n, String what) throws IOException {
    require(n, what);
    byte[] out = new byte[(int) n];
    int done = 0;
    while (done < n) {
      fill(1);
      int k = Math.min(buffer.remaining(), (int) n - done);
      buffer.get(out, done, k);
      done += k;
      position += k;
    }
    return out;
  }

  /** A newline-terminated line (the newline is consumed, not returned), at most max bytes. */
  String readLine(int max, String what) throws IOException {
    StringBuilder sb = new StringBuilder();
    while (true) {
      int b = readUnsignedByte(what);
      if (b == '\n') {
        return sb.toString();
      }
      if (sb.length() >= max) {
        throw new UnsafeCheckpointException(what + " in " + source + ": line longer than " + max
            + " bytes");
      }
      sb.append((char) b);
    }
  }

  private void require(long n, String what) throws UnsafeCheckpointException {
    if (n < 0 || n > end - position) {
      throw new UnsafeCheckpointException("truncated pickle: " + what + " in " + source
          + " needs " + Long.toUnsignedString(n) + " bytes at offset " + offset() + " but only "
          + (end - position) + " remain");
    }
  }

  private void fill(int n) throws IOException {
    if (buffer.remaining() >= n) {
      return;
    }
    if (channel == null) {
      throw new UnsafeCheckpointException("truncated pickle in " + source);
    }
    buffer.clear();
    bufferStart = position;
    buffer.limit((int) Math.min(BUFFER, end - position));
    while (buffer.hasRemaining()) {
      int r = channel.read(buffer, bufferStart + buffer.position());
      if (r < 0) {
        throw new UnsafeCheckpointException("truncated file: " + source + " ends at "
            + (bufferStart + buffer.position()));
      }
    }
    buffer.flip();
  }
}

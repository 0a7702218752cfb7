package jdetr.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;

/**
 * Explains a zip file without an end-of-central-directory record: walks the local headers from the
 * start and names the entry the file breaks off in. torch writes sizes in data descriptors, not in
 * local headers, so an entry's end is found as the next local header or central directory
 * signature after its data starts.
 */
final class ZipTruncation {
  private static final int LOCAL = 0x04034b50;
  private static final int CENTRAL = 0x02014b50;
  private static final int MAX_ENTRIES = 100_000;

  private ZipTruncation() {}

  static String describe(FileChannel channel, String file) throws IOException {
    long size = channel.size();
    long p = 0;
    String last = null;
    for (int i = 0; i < MAX_ENTRIES && p + 30 <= size; i++) {
      ByteBuffer h = TorchZipArchive.read(channel, p, 30);
      if (h.getInt(0) != LOCAL) {
        break;
      }
      int flags = h.getShort(6) & 0xffff;
      long compressed = h.getInt(18) & 0xffffffffL;
      int nameLength = h.getShort(26) & 0xffff;
      int extraLength = h.getShort(28) & 0xffff;
      if (p + 30 + nameLength > size) {
        return "truncated archive: " + file + " ends inside a local header at offset " + p
            + " (size " + size + ")";
      }
      byte[] name = new byte[nameLength];
      TorchZipArchive.read(channel, p + 30, nameLength).get(name);
      last = new String(name, StandardCharsets.UTF_8);
      long data = p + 30 + nameLength + extraLength;
      long next;
      if ((flags & 8) == 0 && compressed != 0xffffffffL) {
        next = data + compressed;
        if (next > size) {
          return cutOff(file, last, data, size);
        }
      } else {
        next = findSignature(channel, data, size);
        if (next < 0) {
          return cutOff(file, last, data, size);
        }
        if (TorchZipArchive.read(channel, next, 4).getInt(0) == CENTRAL) {
          break;
        }
      }
      p = next;
      // skip a data descriptor (PK 7 8, crc, two sizes of 4 or 8 bytes) up to the next header
      long after = findSignature(channel, p, size);
      if (after < 0) {
        break;
      }
      p = after;
    }
    return "truncated archive: " + file + " (size " + size + ") has no end-of-central-directory"
        + " record; the central directory is missing or cut off"
        + (last == null ? " (no zip entry found)" : " after entry '" + last + "'");
  }

  private static String cutOff(String file, String entry, long data, long size) {
    return "truncated archive: " + file + ": entry '" + entry + "' (data from offset " + data
        + ") is cut off at the end of the file (size " + size + ")";
  }

  /** Offset of the next local-header or central-directory signature at or after {@code from}. */
  private static long findSignature(FileChannel channel, long from, long size) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    long base = from;
    while (base + 4 <= size) {
      b.clear();
      b.limit((int) Math.min(b.capacity(), size - base));
      TorchZipArchive.readFully(channel, base, b, "file");
      b.flip();
      for (int i = 0; i + 4 <= b.limit(); i++) {
        int sig = b.getInt(i);
        if (sig == LOCAL || sig == CENTRAL) {
          return base + i;
        }
      }
      if (b.limit() < 4 || base + b.limit() >= size) {
        return -1;
      }
      base += b.limit() - 3;
    }
    return -1;
  }
}

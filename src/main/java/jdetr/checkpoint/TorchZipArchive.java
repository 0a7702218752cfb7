package jdetr.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The zip container {@code torch.save} writes since torch 1.6: {@code <dir>/data.pkl},
 * {@code <dir>/data/<key>} per storage, {@code <dir>/version}, entries STORED, a zip64 end record.
 * The central directory is read and checked before anything else: every entry must lie inside the
 * file behind a matching local header, names must be unique, the declared sizes must sum below the
 * cap, and a DEFLATED entry (torch never writes one) must inflate to exactly its declared size,
 * checked by streaming before any of it is used. A file without an end record is reported as
 * truncated, naming the entry where it breaks off.
 */
final class TorchZipArchive {
  private static final int LOCAL = 0x04034b50;
  private static final int CENTRAL = 0x02014b50;
  private static final int END = 0x06054b50;
  private static final int END64_LOCATOR = 0x07064b50;
  private static final int END64 = 0x06064b50;
  private static final int STORED = 0;
  private static final int DEFLATED = 8;

  /** One archive member; {@code dataOffset} is absolute in the file. */
  record Entry(String name, long dataOffset, long compressedSize, long size, int method) {}

  private final FileChannel channel;
  private final String file;
  private final Map<String, Entry> entries;
  private final String prefix;

  private TorchZipArchive(FileChannel channel, String file, Map<String, Entry> entries,
      String prefix) {
    this.channel = channel;
    this.file = file;
    this.entries = entries;
    this.prefix = prefix;
  }

  static TorchZipArchive open(FileChannel channel, String file, CheckpointLimits limits)
      throws IOException {
    long size = channel.size();
    int tailLength = (int) Math.min(size, 22 + 65535);
    ByteBuffer tail = read(channel, size - tailLength, tailLength);
    int end = -1;
    for (int p = tailLength - 22; p >= 0; p--) {
      if (tail.getInt(p) == END && p + 22 + (tail.getShort(p + 20) & 0xffff) == tailLength) {
        end = p;
        break;
      }
    }
    if (end < 0) {
      throw new UnsafeCheckpointException(ZipTruncation.describe(channel, file));
    }
    long endPosition = size - tailLength + end;
    long count = tail.getShort(end + 10) & 0xffff;
    long cdSize = tail.getInt(end + 12) & 0xffffffffL;
    long cdOffset = tail.getInt(end + 16) & 0xffffffffL;
    if (end >= 20 && tail.getInt(end - 20) == END64_LOCATOR) {
      long end64 = tail.getLong(end - 20 + 8);
      if (end64 < 0 || end64 > endPosition - 56) {
        throw new UnsafeCheckpointException(file + ": zip64 end record offset " + end64
            + " lies outside the file");
      }
      ByteBuffer z = read(channel, end64, 56);
      if (z.getInt(0) != END64) {
        throw new UnsafeCheckpointException(file + ": no zip64 end record at offset " + end64);
      }
      count = z.getLong(32);
      cdSize = z.getLong(40);
      cdOffset = z.getLong(48);
    }
    if (count < 0 || count > limits.maxEntries()) {
      throw new UnsafeCheckpointException(file + ": " + count + " entries, above the cap of "
          + limits.maxEntries());
    }
    if (cdOffset < 0 || cdSize < 0 || cdSize > limits.maxPickleBytes()
        || cdOffset > endPosition - cdSize) {
      throw new UnsafeCheckpointException(file + ": central directory [" + cdOffset + ", +"
          + cdSize + ") lies outside the file (size " + size + ")");
    }
    ByteBuffer cd = read(channel, cdOffset, (int) cdSize);
    Map<String, Entry> entries = new LinkedHashMap<>();
    long total = 0;
    int p = 0;
    for (long i = 0; i < count; i++) {
      if (p + 46 > cdSize || cd.getInt(p) != CENTRAL) {
        throw new UnsafeCheckpointException(file + ": central directory record " + i
            + " is malformed");
      }
      int flags = cd.getShort(p + 8) & 0xffff;
      int method = cd.getShort(p + 10) & 0xffff;
      long compressed = cd.getInt(p + 20) & 0xffffffffL;
      long uncompressed = cd.getInt(p + 24) & 0xffffffffL;
      int nameLength = cd.getShort(p + 28) & 0xffff;
      int extraLength = cd.getShort(p + 30) & 0xffff;
      int commentLength = cd.getShort(p + 32) & 0xffff;
      long local = cd.getInt(p + 42) & 0xffffffffL;
      if (p + 46L + nameLength + extraLength + commentLength > cdSize) {
        throw new UnsafeCheckpointException(file + ": central directory record " + i
            + " runs past the directory");
      }
      byte[] nameBytes = new byte[nameLength];
      cd.get(p + 46, nameBytes);
      String name = new String(nameBytes, StandardCharsets.UTF_8);
      // zip64 extra field: the saturated fields follow in the order size, compressed, offset.
      int e = p + 46 + nameLength;
      int extraEnd = e + extraLength;
      while (e + 4 <= extraEnd) {
        int id = cd.getShort(e) & 0xffff;
        int length = cd.getShort(e + 2) & 0xffff;
        int q = e + 4;
        if (id == 0x0001) {
          if (uncompressed == 0xffffffffL && q + 8 <= extraEnd) {
            uncompressed = cd.getLong(q);
            q += 8;
          }
          if (compressed == 0xffffffffL && q + 8 <= extraEnd) {
            compressed = cd.getLong(q);
            q += 8;
          }
          if (local == 0xffffffffL && q + 8 <= extraEnd) {
            local = cd.getLong(q);
          }
        }
        e += 4 + length;
      }
      p += 46 + nameLength + extraLength + commentLength;
      String what = file + ": entry '" + name + "'";
      if ((flags & 1) != 0) {
        throw new UnsafeCheckpointException(what + " is encrypted");
      }
      if (method != STORED && method != DEFLATED) {
        throw new UnsafeCheckpointException(what + " uses compression method " + method);
      }
      if (uncompressed < 0 || compressed < 0 || local < 0
          || (method == STORED && compressed != uncompressed)) {
        throw new UnsafeCheckpointException(what + " has inconsistent sizes (stored "
            + compressed + ", declared " + uncompressed + ")");
      }
      if (uncompressed > limits.maxTotalBytes() - total) {
        throw new UnsafeCheckpointException(what + " declares " + uncompressed + " bytes;"
            + " the entries up to it declare more than the cap of " + limits.maxTotalBytes()
            + " bytes (zip bomb?)");
      }
      total += uncompressed;
      long dataOffset = checkLocalHeader(channel, file, name, local, size);
      if (compressed > size - dataOffset) {
        throw new UnsafeCheckpointException("truncated archive: " + what + " needs "
            + compressed + " bytes from offset " + dataOffset + " but the file ends at " + size);
      }
      if (entries.put(name, new Entry(name, dataOffset, compressed, uncompressed, method)) != null) {
        throw new UnsafeCheckpointException(what + " appears twice");
      }
    }
    String prefix = null;
    for (String name : entries.keySet()) {
      int slash = name.indexOf('/');
      if (slash > 0 && name.substring(slash).equals("/data.pkl")) {
        if (prefix != null) {
          throw new UnsafeCheckpointException(file + ": more than one data.pkl ('" + prefix
              + "/data.pkl', '" + name + "')");
        }
        prefix = name.substring(0, slash);
      }
    }
    if (prefix == null) {
      throw new UnsafeCheckpointException(file + ": zip archive without <dir>/data.pkl;"
          + " not a torch.save checkpoint");
    }
    TorchZipArchive archive = new TorchZipArchive(channel, file, entries, prefix);
    for (Entry entry : entries.values()) {
      if (entry.method() == DEFLATED) {
        archive.inflate(entry, 0, null);
      }
    }
    return archive;
  }

  private static long checkLocalHeader(FileChannel channel, String file, String name, long local,
      long size) throws IOException {
    if (local > size - 30) {
      throw new UnsafeCheckpointException("truncated archive: " + file + ": local header of '"
          + name + "' at offset " + local + " lies beyond the end of the file (" + size + ")");
    }
    ByteBuffer h = read(channel, local, 30);
    int nameLength = h.getShort(26) & 0xffff;
    int extraLength = h.getShort(28) & 0xffff;
    if (h.getInt(0) != LOCAL || nameLength > size - local - 30) {
      throw new UnsafeCheckpointException(file + ": entry '" + name + "' has no local header at "
          + local);
    }
    byte[] localName = new byte[nameLength];
    read(channel, local + 30, nameLength).get(localName);
    if (!new String(localName, StandardCharsets.UTF_8).equals(name)) {
      throw new UnsafeCheckpointException(file + ": entry '" + name
          + "' disagrees with the name in its local header");
    }
    return local + 30 + nameLength + extraLength;
  }

  /** The directory every entry name starts with ({@code archive}, or the saved file's stem). */
  String prefix() {
    return prefix;
  }

  Map<String, Entry> entries() {
    return Collections.unmodifiableMap(entries);
  }

  /** The entry {@code <prefix>/<relative>}, or null. */
  Entry entry(String relative) {
    return entries.get(prefix + "/" + relative);
  }

  /** The whole (small) entry, at most {@code cap} bytes. */
  byte[] readAll(Entry entry, long cap) throws IOException {
    if (entry.size() > cap) {
      throw new UnsafeCheckpointException(file + ": entry '" + entry.name() + "' holds "
          + entry.size() + " bytes, above the cap of " + cap);
    }
    ByteBuffer out = ByteBuffer.allocate((int) entry.size());
    readAt(entry, 0, out);
    return out.array();
  }

  /** Fills {@code dst} with the entry's bytes starting at {@code offset}. */
  void readAt(Entry entry, long offset, ByteBuffer dst) throws IOException {
    if (offset < 0 || offset + dst.remaining() > entry.size()) {
      throw new UnsafeCheckpointException(file + ": read of " + dst.remaining() + " bytes at "
          + offset + " past the end of entry '" + entry.name() + "' (" + entry.size() + " bytes)");
    }
    if (entry.method() == STORED) {
      readFully(channel, entry.dataOffset() + offset, dst, file);
    } else {
      inflate(entry, offset, dst);
    }
  }

  /**
   * Inflates a DEFLATED entry, copying the bytes from {@code offset} into {@code dst} (null: only
   * check). Refuses output beyond the declared size as soon as it appears.
   */
  private void inflate(Entry entry, long offset, ByteBuffer dst) throws IOException {
    Inflater inflater = new Inflater(true);
    try {
      ByteBuffer in = ByteBuffer.allocate(64 * 1024);
      byte[] out = new byte[64 * 1024];
      long consumed = 0;
      long produced = 0;
      while (!inflater.finished()) {
        if (inflater.needsInput()) {
          int n = (int) Math.min(in.capacity(), entry.compressedSize() - consumed);
          if (n <= 0) {
            break;
          }
          in.clear().limit(n);
          readFully(channel, entry.dataOffset() + consumed, in, file);
          consumed += n;
          inflater.setInput(in.array(), 0, n);
        }
        int k = inflater.inflate(out);
        if (k == 0 && !inflater.needsInput() && !inflater.finished()) {
          throw new UnsafeCheckpointException(file + ": entry '" + entry.name()
              + "' is not plain deflate data");
        }
        if (produced + k > entry.size()) {
          throw new UnsafeCheckpointException(file + ": entry '" + entry.name()
              + "' inflates beyond its declared " + entry.size() + " bytes (zip bomb)");
        }
        if (dst != null && produced + k > offset && dst.hasRemaining()) {
          int from = (int) Math.max(0, offset - produced);
          dst.put(out, from, Math.min(k - from, dst.remaining()));
        }
        produced += k;
        if (dst != null && !dst.hasRemaining()) {
          return;
        }
      }
      if (produced != entry.size()) {
        throw new UnsafeCheckpointException(file + ": entry '" + entry.name() + "' inflates to "
            + produced + " bytes, not its declared " + entry.size());
      }
    } catch (DataFormatException e) {
      throw new UnsafeCheckpointException(file + ": entry '" + entry.name()
          + "' is not valid deflate data", e);
    } finally {
      inflater.end();
    }
  }

  static ByteBuffer read(FileChannel channel, long position, int length) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    readFully(channel, position, b, "file");
    return b.flip();
  }

  static void readFully(FileChannel channel, long position, ByteBuffer dst, String file)
      throws IOException {
    long p = position;
    while (dst.hasRemaining()) {
      int n = channel.read(dst, p);
      if (n < 0) {
        throw new UnsafeCheckpointException("truncated file: " + file + " ends at " + p);
      }
      p += n;
    }
  }
}

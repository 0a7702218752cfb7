package jdetr.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Format and declared size of an image, read from the file's header and tail without decoding any
 * pixel: magic bytes, the JPEG SOF segment or the PNG IHDR chunk, and the end marker (JPEG EOI,
 * PNG IEND) that a truncated file lacks.
 */
public record ImageHeader(Format format, int width, int height) {

  /** The formats images are decoded from. */
  public enum Format { JPEG, PNG }

  private static final int TAIL = 1024;

  /** Reads the header of a file; refuses missing, non-image, truncated and unsupported files. */
  public static ImageHeader read(Path file) throws IOException {
    String name = file.toString();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      return parse(name, new Source() {
        @Override
        public long length() throws IOException {
          return channel.size();
        }

        @Override
        public int read(long position, byte[] dst, int length) throws IOException {
          ByteBuffer buffer = ByteBuffer.wrap(dst, 0, length);
          int n = 0;
          while (buffer.hasRemaining()) {
            int r = channel.read(buffer, position + n);
            if (r < 0) break;
            n += r;
          }
          return n;
        }
      });
    } catch (NoSuchFileException e) {
      throw new ImageRejectedException(name, "missing");
    } catch (ImageRejectedException e) {
      throw e;
    } catch (IOException e) {
      throw new ImageRejectedException(name, "unreadable(" + e.getClass().getSimpleName() + ")");
    }
  }

  /** Reads the header of an image held in memory (an upload). */
  public static ImageHeader parse(String name, byte[] bytes) throws ImageRejectedException {
    return parse(name, bytes, 0, bytes.length);
  }

  /** Reads the header of the image in {@code size} bytes at {@code offset} (a frame). */
  public static ImageHeader parse(String name, byte[] bytes, int offset, int size)
      throws ImageRejectedException {
    try {
      return parse(name, new Source() {
        @Override
        public long length() {
          return size;
        }

        @Override
        public int read(long position, byte[] dst, int length) {
          int n = (int) Math.max(0, Math.min(length, size - position));
          System.arraycopy(bytes, offset + (int) Math.min(position, size), dst, 0, n);
          return n;
        }
      });
    } catch (ImageRejectedException e) {
      throw e;
    } catch (IOException e) {
      throw new IllegalStateException("reading memory cannot fail", e);
    }
  }

  private interface Source {
    long length() throws IOException;

    int read(long position, byte[] dst, int length) throws IOException;
  }

  private static ImageHeader parse(String name, Source in) throws IOException {
    byte[] b = new byte[24];
    int n = in.read(0, b, 24);
    if (n >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF) {
      return jpeg(name, in);
    }
    if (n >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G'
        && b[4] == 0x0D && b[5] == 0x0A && b[6] == 0x1A && b[7] == 0x0A) {
      return png(name, in, b, n);
    }
    StringBuilder first = new StringBuilder();
    for (int i = 0; i < Math.min(4, n); i++) first.append(String.format("%02x", b[i] & 0xff));
    throw new ImageRejectedException(name, "not_an_image",
        in.length() + " bytes starting with '" + first + "' are neither JPEG nor PNG");
  }

  private static ImageHeader jpeg(String name, Source in) throws IOException {
    long length = in.length();
    byte[] b = new byte[9];
    long pos = 2;
    ImageHeader header = null;
    while (header == null) {
      if (in.read(pos, b, 2) < 2) throw new ImageRejectedException(name, "truncated(header)");
      if ((b[0] & 0xff) != 0xFF) throw new ImageRejectedException(name, "corrupt(marker)");
      int marker = b[1] & 0xff;
      if (marker == 0xFF) { // fill byte
        pos++;
        continue;
      }
      pos += 2;
      if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue; // no length
      if (marker == 0xD9 || marker == 0xDA) {
        throw new ImageRejectedException(name, "corrupt(no frame header)");
      }
      if (in.read(pos, b, 2) < 2) throw new ImageRejectedException(name, "truncated(header)");
      int segment = ((b[0] & 0xff) << 8) | (b[1] & 0xff);
      if (segment < 2) throw new ImageRejectedException(name, "corrupt(segment length)");
      boolean frame = marker >= 0xC0 && marker <= 0xCF
          && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
      if (frame) {
        if (segment < 8 || in.read(pos + 2, b, 6) < 6) {
          throw new ImageRejectedException(name, "truncated(header)");
        }
        int height = ((b[1] & 0xff) << 8) | (b[2] & 0xff);
        int width = ((b[3] & 0xff) << 8) | (b[4] & 0xff);
        int components = b[5] & 0xff;
        if (width == 0 || height == 0) {
          throw new ImageRejectedException(name, "corrupt(size " + width + "x" + height + ")");
        }
        if (components != 1 && components != 3 && components != 4) {
          throw new ImageRejectedException(name, "corrupt(" + components + " components)");
        }
        header = new ImageHeader(Format.JPEG, width, height);
      }
      pos += segment;
    }
    if (!tailContains(in, length, new byte[] {(byte) 0xFF, (byte) 0xD9})) {
      throw new ImageRejectedException(name, "truncated(WARNING_NO_EOI)",
          "jpeg data of " + length + " bytes has no end marker");
    }
    return header;
  }

  private static ImageHeader png(String name, Source in, byte[] b, int n) throws IOException {
    if (n < 24) throw new ImageRejectedException(name, "truncated(header)");
    if (b[12] != 'I' || b[13] != 'H' || b[14] != 'D' || b[15] != 'R') {
      throw new ImageRejectedException(name, "corrupt(no IHDR)");
    }
    long width = ((b[16] & 0xffL) << 24) | ((b[17] & 0xff) << 16) | ((b[18] & 0xff) << 8)
        | (b[19] & 0xff);
    long height = ((b[20] & 0xffL) << 24) | ((b[21] & 0xff) << 16) | ((b[22] & 0xff) << 8)
        | (b[23] & 0xff);
    if (width == 0 || height == 0) {
      throw new ImageRejectedException(name, "corrupt(size " + width + "x" + height + ")");
    }
    if (width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
      throw new ImageRejectedException(name, "too_many_pixels(" + width + "x" + height + ")");
    }
    if (!tailContains(in, in.length(), new byte[] {'I', 'E', 'N', 'D'})) {
      throw new ImageRejectedException(name, "truncated(no IEND)",
          "png data of " + in.length() + " bytes has no end marker");
    }
    return new ImageHeader(Format.PNG, (int) width, (int) height);
  }

  /** Whether the last {@value #TAIL} bytes hold the end marker (trailing padding is tolerated). */
  private static boolean tailContains(Source in, long length, byte[] marker) throws IOException {
    int n = (int) Math.min(TAIL, length);
    byte[] tail = new byte[n];
    n = in.read(length - n, tail, n);
    for (int i = n - marker.length; i >= 0; i--) {
      int k = 0;
      while (k < marker.length && tail[i + k] == marker[k]) k++;
      if (k == marker.length) return true;
    }
    return false;
  }
}

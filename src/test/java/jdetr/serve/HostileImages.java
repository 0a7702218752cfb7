package jdetr.serve;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** Bad image payloads built in memory: small files that are not images, are cut short, or lie about their size. */
public final class HostileImages {

  private HostileImages() {}

  public static byte[] notAnImage() {
    return "<html><body>this is not an image</body></html>".getBytes(StandardCharsets.US_ASCII);
  }

  public static byte[] truncated(byte[] image) {
    return Arrays.copyOf(image, image.length / 2);
  }

  /** A real JPEG whose SOF segment is patched to declare width x height. */
  public static byte[] jpegDeclaring(byte[] jpeg, int width, int height) {
    byte[] out = jpeg.clone();
    for (int i = 2; i + 9 < out.length; ) {
      if ((out[i] & 0xFF) != 0xFF) {
        throw new IllegalArgumentException("not a marker at " + i);
      }
      int marker = out[i + 1] & 0xFF;
      int length = ((out[i + 2] & 0xFF) << 8) | (out[i + 3] & 0xFF);
      if (marker >= 0xC0 && marker <= 0xC3) { // SOF0..SOF3: length, precision, height, width
        out[i + 5] = (byte) (height >> 8);
        out[i + 6] = (byte) height;
        out[i + 7] = (byte) (width >> 8);
        out[i + 8] = (byte) width;
        return out;
      }
      i += 2 + length;
    }
    throw new IllegalArgumentException("no SOF segment");
  }

  /**
   * A PNG "bomb": an IHDR declaring width x height RGB pixels, and an IDAT of deflated zeros
   * ({@code zeroRows} rows of it: a few KB that would inflate to megabytes), and IEND.
   */
  public static byte[] pngDeclaring(int width, int height, int zeroRows) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
      ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
      DataOutputStream d = new DataOutputStream(ihdr);
      d.writeInt(width);
      d.writeInt(height);
      d.writeByte(8); // bit depth
      d.writeByte(2); // RGB
      d.writeByte(0);
      d.writeByte(0);
      d.writeByte(0);
      chunk(out, "IHDR", ihdr.toByteArray());
      Deflater deflater = new Deflater(9);
      byte[] row = new byte[1 + 3 * width];
      ByteArrayOutputStream idat = new ByteArrayOutputStream();
      byte[] buf = new byte[1 << 16];
      for (int r = 0; r < zeroRows; r++) {
        deflater.setInput(row);
        while (!deflater.needsInput()) {
          idat.write(buf, 0, deflater.deflate(buf));
        }
      }
      deflater.finish();
      while (!deflater.finished()) {
        idat.write(buf, 0, deflater.deflate(buf));
      }
      deflater.end();
      chunk(out, "IDAT", idat.toByteArray());
      chunk(out, "IEND", new byte[0]);
      return out.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
    DataOutputStream d = new DataOutputStream(out);
    d.writeInt(data.length);
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    d.write(t);
    d.write(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    d.writeInt((int) crc.getValue());
  }
}

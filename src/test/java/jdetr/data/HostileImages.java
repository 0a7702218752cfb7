package jdetr.data;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** Tiny files that declare huge images: the bytes of a bomb, not the bomb. */
final class HostileImages {
  private HostileImages() {}

  /** A valid PNG declaring width x height RGB whose IDAT inflates to one megabyte of zeros. */
  static byte[] pngBomb(int width, int height) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
    ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height)
        .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
    chunk(out, "IHDR", ihdr.array());
    Deflater deflater = new Deflater(9);
    deflater.setInput(new byte[1 << 20]);
    deflater.finish();
    byte[] compressed = new byte[1 << 16];
    int n = deflater.deflate(compressed);
    chunk(out, "IDAT", java.util.Arrays.copyOf(compressed, n));
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  /** A JPEG whose frame header declares width x height (baseline, 3 components), then EOI. */
  static byte[] jpegHeader(int width, int height) {
    ByteBuffer b = ByteBuffer.allocate(2 + 2 + 2 + 15 + 2);
    b.put((byte) 0xFF).put((byte) 0xD8);
    b.put((byte) 0xFF).put((byte) 0xC0).putShort((short) 17).put((byte) 8)
        .putShort((short) height).putShort((short) width).put((byte) 3);
    for (int c = 1; c <= 3; c++) b.put((byte) c).put((byte) 0x11).put((byte) 0);
    b.put((byte) 0xFF).put((byte) 0xD9);
    return java.util.Arrays.copyOf(b.array(), b.position());
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    out.writeBytes(t);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }
}

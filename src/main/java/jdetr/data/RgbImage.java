package jdetr.data;

/**
 * A decoded 8-bit RGB image, pixels interleaved row-major: {@code pixels[3 * (y * width + x) + c]}
 * (what PIL's {@code Image.convert('RGB')} holds).
 */
public record RgbImage(int width, int height, byte[] pixels) {
  public RgbImage {
    if (width <= 0 || height <= 0 || pixels.length != 3 * width * height) {
      throw new IllegalArgumentException(
          "RGB image " + width + "x" + height + " needs " + 3L * width * height + " bytes, got "
              + pixels.length);
    }
  }

  /** Channel {@code c} of pixel (x, y), 0..255. */
  public int at(int x, int y, int c) {
    return pixels[3 * (y * width + x) + c] & 0xff;
  }
}

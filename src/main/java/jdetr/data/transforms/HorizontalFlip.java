package jdetr.data.transforms;

import jdetr.data.Example;
import jdetr.data.PixelTarget;
import jdetr.data.RgbImage;

/**
 * DETR's {@code hflip}: mirrors the image and the masks; {@code [x0, y0, x1, y1] -> [w - x1, y0,
 * w - x0, y1]}.
 */
public final class HorizontalFlip {
  private HorizontalFlip() {}

  public static Example apply(Example in) {
    return new Example(image(in.image()), target(in.target(), in.image().width()));
  }

  public static RgbImage image(RgbImage in) {
    int w = in.width(), h = in.height();
    byte[] src = in.pixels();
    byte[] out = new byte[src.length];
    for (int y = 0; y < h; y++) {
      int row = 3 * y * w;
      for (int x = 0, o = row, p = row + 3 * (w - 1); x < w; x++, o += 3, p -= 3) {
        out[o] = src[p];
        out[o + 1] = src[p + 1];
        out[o + 2] = src[p + 2];
      }
    }
    return new RgbImage(w, h, out);
  }

  public static PixelTarget target(PixelTarget t, int width) {
    float w = width;
    float[] b = t.boxes();
    float[] boxes = new float[b.length];
    for (int i = 0; i < b.length; i += 4) {
      boxes[i] = w - b[i + 2];
      boxes[i + 1] = b[i + 1];
      boxes[i + 2] = w - b[i];
      boxes[i + 3] = b[i + 3];
    }
    return t.with(boxes, t.area(), t.height(), t.width(),
        t.masks() == null ? null : t.masks().flip());
  }
}

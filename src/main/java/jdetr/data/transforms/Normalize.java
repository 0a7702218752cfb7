package jdetr.data.transforms;

import java.util.List;
import jdetr.data.Example;
import jdetr.data.PixelTarget;
import jdetr.data.RgbImage;
import jdetr.data.Sample;
import jdetr.data.Target;

/**
 * DETR's {@code ToTensor + Normalize}: pixels to float32 {@code (v / 255 - mean) / std} in [3, H, W]
 * (a 256-entry table per channel holds the float32 results), boxes to cxcywh divided by the
 * image's width and height.
 */
public final class Normalize {
  private final float[] table = new float[3 * 256];

  public Normalize(List<Float> mean, List<Float> std) {
    for (int c = 0; c < 3; c++) {
      float m = mean.get(c), s = std.get(c);
      for (int v = 0; v < 256; v++) table[256 * c + v] = ((float) v / 255f - m) / s;
    }
  }

  public Sample apply(Example in) {
    RgbImage image = in.image();
    return new Sample(image.height(), image.width(), pixels(image), target(in.target()));
  }

  /** [3, H, W] normalised values of an RGB image. */
  public float[] pixels(RgbImage image) {
    int plane = image.width() * image.height();
    float[] out = new float[3 * plane];
    byte[] p = image.pixels();
    for (int i = 0, q = 0; i < plane; i++, q += 3) {
      out[i] = table[p[q] & 0xff];
      out[plane + i] = table[256 + (p[q + 1] & 0xff)];
      out[2 * plane + i] = table[512 + (p[q + 2] & 0xff)];
    }
    return out;
  }

  /** The 3 x 256 table of normalised values, channel-major (shared, do not modify). */
  float[] table() {
    return table;
  }

  /** The normalised value of 8-bit level {@code v} in channel {@code c}. */
  public float value(int c, int v) {
    return table[256 * c + v];
  }

  /** xyxy pixels to cxcywh / (w, h, w, h), float32 like {@code box_xyxy_to_cxcywh}. */
  public static Target target(PixelTarget t) {
    float w = t.width(), h = t.height();
    float[] b = t.boxes();
    float[] out = new float[b.length];
    for (int i = 0; i < b.length; i += 4) {
      float x0 = b[i], y0 = b[i + 1], x1 = b[i + 2], y1 = b[i + 3];
      out[i] = (x0 + x1) / 2f / w;
      out[i + 1] = (y0 + y1) / 2f / h;
      out[i + 2] = (x1 - x0) / w;
      out[i + 3] = (y1 - y0) / h;
    }
    return new Target(t.imageId(), t.labels(), out, t.area(), t.iscrowd(), t.origHeight(),
        t.origWidth(), t.height(), t.width(), t.masks());
  }
}

package jdetr.data.transforms;

import jdetr.data.Example;
import jdetr.data.InstanceMasks;
import jdetr.data.PixelTarget;
import jdetr.data.RgbImage;

/**
 * DETR's {@code crop} to the region (top, left, height, width): boxes shifted, clamped to the
 * region, area recomputed from the clamped box, masks sliced to the region, objects with an empty
 * box removed (the reference decides by the boxes whenever a target has boxes, which every target
 * here has, so the masks never decide).
 */
public final class Crop {
  private Crop() {}

  public static Example apply(Example in, int top, int left, int height, int width) {
    return new Example(image(in.image(), top, left, height, width),
        target(in.target(), top, left, height, width));
  }

  /** The region's pixels; the region must lie inside the image. */
  public static RgbImage image(RgbImage in, int top, int left, int height, int width) {
    if (top < 0 || left < 0 || height <= 0 || width <= 0 || top + height > in.height()
        || left + width > in.width()) {
      throw new IllegalArgumentException("crop (" + top + ", " + left + ", " + height + ", " + width
          + ") outside a " + in.width() + "x" + in.height() + " image");
    }
    if (top == 0 && left == 0 && height == in.height() && width == in.width()) return in;
    byte[] out = new byte[3 * width * height];
    for (int y = 0; y < height; y++) {
      System.arraycopy(in.pixels(), 3 * ((top + y) * in.width() + left), out, 3 * y * width,
          3 * width);
    }
    return new RgbImage(width, height, out);
  }

  public static PixelTarget target(PixelTarget t, int top, int left, int height, int width) {
    float[] b = t.boxes();
    float[] boxes = new float[b.length];
    float[] area = new float[t.size()];
    boolean[] keep = new boolean[t.size()];
    float fw = width, fh = height, fl = left, ft = top;
    for (int i = 0; i < t.size(); i++) {
      float x0 = Math.max(Math.min(b[4 * i] - fl, fw), 0f);
      float y0 = Math.max(Math.min(b[4 * i + 1] - ft, fh), 0f);
      float x1 = Math.max(Math.min(b[4 * i + 2] - fl, fw), 0f);
      float y1 = Math.max(Math.min(b[4 * i + 3] - ft, fh), 0f);
      boxes[4 * i] = x0;
      boxes[4 * i + 1] = y0;
      boxes[4 * i + 2] = x1;
      boxes[4 * i + 3] = y1;
      area[i] = (x1 - x0) * (y1 - y0);
      keep[i] = x1 > x0 && y1 > y0;
    }
    InstanceMasks masks = t.masks() == null ? null : t.masks().crop(top, left, height, width);
    return t.keep(keep, boxes, area, height, width, masks);
  }
}

package jdetr.eval.panoptic;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import jdetr.data.PanopticPng;
import jdetr.eval.panoptic.PostProcessPanoptic.Segment;

/**
 * Draws a panoptic segmentation over its image: each segment's pixels blended with a colour of
 * its own ({@value #ALPHA} opaque), its border in that colour at full strength, and its category
 * name at the segment's centre of mass. Pixels of no segment are left as they are.
 */
public final class PanopticPainter {
  /** Opacity of the fill. */
  static final float ALPHA = 0.5f;

  private PanopticPainter() {}

  /** The colour of the k-th segment: hues a golden angle apart, so neighbours in order differ. */
  public static int colour(int k) {
    float hue = (float) ((k * 0.6180339887498949) % 1.0);
    return Color.HSBtoRGB(hue, 0.8f, 0.95f) & 0xffffff;
  }

  /**
   * A copy of {@code image} with {@code segments} of {@code png} drawn on it.
   *
   * @param names category id to the name written on the segment
   * @throws IllegalArgumentException when the image and the segmentation differ in size
   */
  public static BufferedImage paint(BufferedImage image, PanopticPng png, List<Segment> segments,
      IntFunction<String> names) {
    int w = png.width(), h = png.height();
    if (image.getWidth() != w || image.getHeight() != h) {
      throw new IllegalArgumentException("the image is " + image.getWidth() + "x"
          + image.getHeight() + " but the segmentation " + w + "x" + h);
    }
    int[] slot = slots(png, segments); // per pixel, the index of its segment or -1
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    long[] sumX = new long[segments.size()], sumY = new long[segments.size()];
    long[] count = new long[segments.size()];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int p = y * w + x, k = slot[p], rgb = image.getRGB(x, y) & 0xffffff;
        if (k >= 0) {
          boolean border = (x > 0 && slot[p - 1] != k) || (x < w - 1 && slot[p + 1] != k)
              || (y > 0 && slot[p - w] != k) || (y < h - 1 && slot[p + w] != k);
          rgb = border ? colour(k) : blend(rgb, colour(k));
          sumX[k] += x;
          sumY[k] += y;
          count[k]++;
        }
        out.setRGB(x, y, rgb);
      }
    }
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING,
        RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, Math.max(10, Math.min(w, h) / 40)));
    g.setStroke(new BasicStroke(1));
    FontMetrics fm = g.getFontMetrics();
    for (int k = 0; k < segments.size(); k++) {
      if (count[k] == 0) {
        continue;
      }
      String label = names.apply(segments.get(k).categoryId());
      int tx = (int) (sumX[k] / count[k]) - fm.stringWidth(label) / 2;
      int ty = (int) (sumY[k] / count[k]) + fm.getAscent() / 2;
      g.setColor(Color.BLACK);
      g.drawString(label, tx + 1, ty + 1);
      g.setColor(Color.WHITE);
      g.drawString(label, tx, ty);
    }
    g.dispose();
    return out;
  }

  private static int[] slots(PanopticPng png, List<Segment> segments) {
    Map<Integer, Integer> index = new HashMap<>();
    for (int k = 0; k < segments.size(); k++) {
      index.put(segments.get(k).id(), k);
    }
    int[] ids = png.ids();
    int[] slot = new int[ids.length];
    for (int p = 0; p < ids.length; p++) {
      slot[p] = index.getOrDefault(ids[p], -1);
    }
    return slot;
  }

  private static int blend(int under, int over) {
    int r = mix((under >> 16) & 0xff, (over >> 16) & 0xff);
    int g = mix((under >> 8) & 0xff, (over >> 8) & 0xff);
    int b = mix(under & 0xff, over & 0xff);
    return r << 16 | g << 8 | b;
  }

  private static int mix(int under, int over) {
    return Math.round(under * (1 - ALPHA) + over * ALPHA);
  }
}

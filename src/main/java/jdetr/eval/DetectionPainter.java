package jdetr.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;
import jdetr.data.RgbImage;

/**
 * Draws detections (box, class name, score, and the mask as a translucent fill when the detection
 * has one) over a copy of an image.
 */
public final class DetectionPainter {

  private static final Color[] PALETTE = {
    new Color(0xE6194B), new Color(0x3CB44B), new Color(0x4363D8), new Color(0xF58231),
    new Color(0x911EB4), new Color(0x42D4F4), new Color(0xF032E6), new Color(0xBFEF45),
    new Color(0x469990), new Color(0x9A6324), new Color(0x800000), new Color(0x000075)
  };

  /** Weight of the class colour in a masked pixel. */
  private static final float MASK_ALPHA = 0.45f;

  private DetectionPainter() {}

  /** {@code rgb} as an RGB image to draw on. */
  public static BufferedImage image(RgbImage rgb) {
    BufferedImage img = new BufferedImage(rgb.width(), rgb.height(), BufferedImage.TYPE_INT_RGB);
    byte[] px = rgb.pixels(); // [H, W, 3] RGB
    for (int y = 0; y < rgb.height(); y++) {
      for (int x = 0; x < rgb.width(); x++) {
        int i = 3 * (y * rgb.width() + x);
        img.setRGB(x, y, (px[i] & 0xff) << 16 | (px[i + 1] & 0xff) << 8 | (px[i + 2] & 0xff));
      }
    }
    return img;
  }

  /**
   * Returns a new RGB image: {@code image} with each detection's mask (when it has one of the
   * image's size) filled translucently in its class colour, then its box labelled "name 0.93".
   *
   * @param names maps a label to its class name
   */
  public static BufferedImage paint(
      BufferedImage image, List<Detection> detections, IntFunction<String> names) {
    BufferedImage out =
        new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.drawImage(image, 0, 0, null);
      for (Detection d : detections) {
        if (d.mask() != null) fill(out, d.mask(), PALETTE[Math.floorMod(d.label(), PALETTE.length)]);
      }
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      float stroke = Math.max(2f, Math.min(image.getWidth(), image.getHeight()) / 200f);
      g.setStroke(new BasicStroke(stroke));
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, Math.max(11, Math.round(stroke * 6))));
      FontMetrics fm = g.getFontMetrics();
      for (Detection d : detections) {
        Color color = PALETTE[Math.floorMod(d.label(), PALETTE.length)];
        int x0 = Math.round(d.x0());
        int y0 = Math.round(d.y0());
        int w = Math.max(1, Math.round(d.x1()) - x0);
        int h = Math.max(1, Math.round(d.y1()) - y0);
        g.setColor(color);
        g.drawRect(x0, y0, w, h);
        String text = names.apply(d.label()) + String.format(Locale.ROOT, " %.2f", d.score());
        int tw = fm.stringWidth(text) + 6;
        int th = fm.getAscent() + 4;
        int ty = y0 - th >= 0 ? y0 - th : y0;
        g.fillRect(x0, ty, tw, th);
        g.setColor(Color.WHITE);
        g.drawString(text, x0 + 3, ty + fm.getAscent() + 1);
      }
    } finally {
      g.dispose();
    }
    return out;
  }

  /** Blends {@code color} into the pixels of {@code mask} (a mask of another size is skipped). */
  private static void fill(BufferedImage image, jdetr.mask.Rle mask, Color color) {
    int w = image.getWidth(), h = image.getHeight();
    if (mask.height() != h || mask.width() != w) return;
    byte[] m = mask.decode(); // [H, W]
    int cr = color.getRed(), cg = color.getGreen(), cb = color.getBlue();
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (m[y * w + x] == 0) continue;
        int p = image.getRGB(x, y);
        int r = Math.round((1 - MASK_ALPHA) * ((p >> 16) & 0xff) + MASK_ALPHA * cr);
        int gr = Math.round((1 - MASK_ALPHA) * ((p >> 8) & 0xff) + MASK_ALPHA * cg);
        int b = Math.round((1 - MASK_ALPHA) * (p & 0xff) + MASK_ALPHA * cb);
        image.setRGB(x, y, r << 16 | gr << 8 | b);
      }
    }
  }
}

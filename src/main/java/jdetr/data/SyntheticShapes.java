package jdetr.data;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Scenes of coloured shapes on varied backgrounds (gradients, stripes, noise), with exact boxes:
 * each shape touches all four sides of its integer box. A scene depends only on (seed, split,
 * index), so any thread draws the same image.
 */
public final class SyntheticShapes {
  private SyntheticShapes() {}

  /** One object: its class, integer box, shape parameter and colour (0xRRGGBB). */
  public record SceneObject(ShapeKind kind, int x, int y, int w, int h, double shape, int rgb) {}

  /** Background: a gradient between two colours along an angle, optional stripes, noise. */
  public record Background(int from, int to, double angle, double stripePeriod, int noise, long noiseSeed) {}

  public record Scene(int width, int height, Background background, List<SceneObject> objects) {}

  public static Scene scene(SynthConfig c, int split, int index) {
    SplittableRandom r = KeyedRandom.of(c.seed(), split, index);
    int w, h;
    if (c.width() > 0) {
      w = c.width();
      h = c.height();
    } else {
      int shortSide = (int) Math.round(c.size() * (0.6 + 0.4 * r.nextDouble()));
      boolean landscape = r.nextBoolean();
      w = landscape ? c.size() : shortSide;
      h = landscape ? shortSide : c.size();
    }
    Background bg = new Background(randomColor(r, 0.1, 0.9), randomColor(r, 0.1, 0.9),
        r.nextDouble(2 * Math.PI), r.nextDouble() < 0.3 ? 6 + r.nextDouble(30) : 0,
        r.nextInt(4, 24), r.nextLong());
    int mean = mix(bg.from(), bg.to());
    int n = r.nextInt(c.minObjects(), c.maxObjects() + 1);
    List<SceneObject> objects = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      ShapeKind kind = ShapeKind.values()[r.nextInt(c.classes())];
      for (int attempt = 0; attempt < 30; attempt++) {
        int ow = r.nextInt(Math.max(6, w / 12), Math.max(7, w * 11 / 20));
        int oh = r.nextInt(Math.max(6, h / 12), Math.max(7, h * 11 / 20));
        int x = r.nextInt(0, w - ow + 1), y = r.nextInt(0, h - oh + 1);
        if (hidesTooMuch(objects, x, y, ow, oh)) continue;
        int rgb = randomColor(r, 0.35, 1.0);
        for (int tries = 0; tries < 10 && distance(rgb, mean) < 110; tries++) rgb = randomColor(r, 0.35, 1.0);
        objects.add(new SceneObject(kind, x, y, ow, oh, r.nextDouble(), rgb));
        break;
      }
    }
    return new Scene(w, h, bg, List.copyOf(objects));
  }

  /** Overlaps are allowed, but no box may cover more than half of another. */
  private static boolean hidesTooMuch(List<SceneObject> objects, int x, int y, int w, int h) {
    for (SceneObject o : objects) {
      long iw = Math.min(x + w, o.x() + o.w()) - Math.max(x, o.x());
      long ih = Math.min(y + h, o.y() + o.h()) - Math.max(y, o.y());
      if (iw <= 0 || ih <= 0) continue;
      long inter = iw * ih;
      if (2 * inter > (long) o.w() * o.h() || 2 * inter > (long) w * h) return true;
    }
    return false;
  }

  public static BufferedImage render(Scene s) {
    BufferedImage image = new BufferedImage(s.width(), s.height(), BufferedImage.TYPE_3BYTE_BGR);
    paintBackground(image, s.background());
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
    for (SceneObject o : s.objects()) {
      g.setColor(new Color(o.rgb()));
      g.fill(o.kind().outline(o.x(), o.y(), o.w(), o.h(), o.shape()));
    }
    g.dispose();
    return image;
  }

  /**
   * The instance masks of a scene, {@code [N, H, W]} in object order: the pixels whose centre the
   * object's outline covers and no later (drawn on top) object's outline covers, the visible part
   * of each shape as {@link #render} paints it (without its anti-aliased edge).
   */
  public static InstanceMasks masks(Scene s) {
    int n = s.objects().size(), w = s.width(), h = s.height();
    BufferedImage labels = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = labels.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
    g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
    for (int k = 0; k < n; k++) { // object k is the colour k + 1
      SceneObject o = s.objects().get(k);
      g.setColor(new Color(k + 1));
      g.fill(o.kind().outline(o.x(), o.y(), o.w(), o.h(), o.shape()));
    }
    g.dispose();
    int[] label = ((java.awt.image.DataBufferInt) labels.getRaster().getDataBuffer()).getData();
    byte[] out = new byte[n * w * h]; // [N, H, W]
    for (int p = 0; p < label.length; p++) {
      int k = (label[p] & 0xffffff) - 1;
      if (k >= 0) out[k * w * h + p] = 1;
    }
    return new InstanceMasks(n, h, w, out);
  }

  private static void paintBackground(BufferedImage image, Background bg) {
    byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
    int w = image.getWidth(), h = image.getHeight();
    double dx = Math.cos(bg.angle()), dy = Math.sin(bg.angle());
    double span = Math.abs(dx) * w + Math.abs(dy) * h;
    double offset = Math.min(0, dx * w) + Math.min(0, dy * h);
    SplittableRandom noise = new SplittableRandom(bg.noiseSeed());
    for (int y = 0, p = 0; y < h; y++) {
      for (int x = 0; x < w; x++, p += 3) {
        double t = (dx * x + dy * y - offset) / span;
        if (bg.stripePeriod() > 0) t = 0.5 * t + 0.25 * (1 + Math.sin(2 * Math.PI * (x - y) / bg.stripePeriod()));
        for (int c = 0; c < 3; c++) {
          int shift = 8 * c; // blue, green, red
          double v = ((bg.from() >> shift) & 0xff) * (1 - t) + ((bg.to() >> shift) & 0xff) * t;
          v += noise.nextInt(-bg.noise(), bg.noise() + 1);
          bgr[p + c] = (byte) Math.max(0, Math.min(255, (int) Math.round(v)));
        }
      }
    }
  }

  private static int randomColor(SplittableRandom r, double minBrightness, double maxBrightness) {
    float hue = (float) r.nextDouble();
    float saturation = (float) (0.35 + 0.65 * r.nextDouble());
    float brightness = (float) (minBrightness + (maxBrightness - minBrightness) * r.nextDouble());
    return Color.HSBtoRGB(hue, saturation, brightness) & 0xffffff;
  }

  private static int mix(int a, int b) {
    int r = (((a >> 16) & 0xff) + ((b >> 16) & 0xff)) / 2;
    int g = (((a >> 8) & 0xff) + ((b >> 8) & 0xff)) / 2;
    int bl = ((a & 0xff) + (b & 0xff)) / 2;
    return r << 16 | g << 8 | bl;
  }

  private static double distance(int a, int b) {
    int dr = ((a >> 16) & 0xff) - ((b >> 16) & 0xff);
    int dg = ((a >> 8) & 0xff) - ((b >> 8) & 0xff);
    int db = (a & 0xff) - (b & 0xff);
    return Math.sqrt(dr * dr + dg * dg + db * db);
  }
}

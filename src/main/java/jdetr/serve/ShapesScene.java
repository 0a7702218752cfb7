package jdetr.serve;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import jdetr.eval.Detection;

/**
 * A picture of flat coloured rectangles, ellipses and triangles on a grey gradient, optionally
 * moving (each shape bounces off the borders). Used to drive the server in benchmarks, tests and the
 * browser check, with the true boxes known.
 */
public final class ShapesScene {

  /** Class names by label, shared with {@link ShapesThresholdDetector}. */
  public static final List<String> CLASSES = List.of("rectangle", "ellipse", "triangle");

  /** Six saturated hues, one per shape, so that shapes of a scene never share a colour. */
  private static final Color[] COLOURS = {
    new Color(220, 40, 40), new Color(230, 200, 30), new Color(40, 190, 60),
    new Color(30, 200, 210), new Color(40, 70, 220), new Color(200, 50, 200)
  };

  /** One shape: label, colour index, top-left at time 0, size, and velocity in pixels per second. */
  private record Shape(int label, int colour, double x, double y, double w, double h, double vx, double vy) {}

  private final int width;
  private final int height;
  private final List<Shape> shapes;

  private ShapesScene(int width, int height, List<Shape> shapes) {
    this.width = width;
    this.height = height;
    this.shapes = shapes;
  }

  /**
   * A scene of {@code count} (at most 6) non-overlapping shapes at time 0.
   *
   * @param speed how fast shapes move, in image widths per second (0: still)
   */
  public static ShapesScene random(long seed, int width, int height, int count, double speed) {
    if (count < 0 || count > COLOURS.length) {
      throw new IllegalArgumentException("a scene holds 0.." + COLOURS.length + " shapes, got " + count);
    }
    Random rng = new Random(seed);
    List<Shape> shapes = new ArrayList<>();
    int attempts = 0;
    while (shapes.size() < count && attempts++ < 10_000) {
      double w = width * (0.12 + 0.16 * rng.nextDouble());
      double h = height * (0.15 + 0.2 * rng.nextDouble());
      double x = rng.nextDouble() * (width - w);
      double y = rng.nextDouble() * (height - h);
      if (overlapsAny(shapes, x, y, w, h)) {
        continue;
      }
      double angle = rng.nextDouble() * 2 * Math.PI;
      double v = speed * width;
      shapes.add(new Shape(rng.nextInt(CLASSES.size()), shapes.size(), x, y, w, h,
          v * Math.cos(angle), v * Math.sin(angle)));
    }
    return new ShapesScene(width, height, List.copyOf(shapes));
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /** True boxes at time {@code t} seconds (score 1). */
  public List<Detection> truth(double t) {
    List<Detection> boxes = new ArrayList<>();
    for (Shape s : shapes) {
      double x = bounce(s.x() + s.vx() * t, width - s.w());
      double y = bounce(s.y() + s.vy() * t, height - s.h());
      boxes.add(new Detection(s.label(), 1f, (float) x, (float) y, (float) (x + s.w()), (float) (y + s.h())));
    }
    return boxes;
  }

  /** Draws the scene at time {@code t} seconds. */
  public BufferedImage render(double t) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setPaint(new GradientPaint(0, 0, new Color(38, 42, 50), width, height, new Color(78, 82, 90)));
      g.fillRect(0, 0, width, height);
      List<Detection> boxes = truth(t);
      for (int i = 0; i < shapes.size(); i++) {
        Detection b = boxes.get(i);
        int x = Math.round(b.x0());
        int y = Math.round(b.y0());
        int w = Math.round(b.x1()) - x;
        int h = Math.round(b.y1()) - y;
        g.setColor(COLOURS[shapes.get(i).colour()]);
        switch (b.label()) {
          case 0 -> g.fillRect(x, y, w, h);
          case 1 -> g.fillOval(x, y, w, h);
          default -> g.fillPolygon(new int[] {x, x + w / 2, x + w}, new int[] {y + h, y, y + h}, 3);
        }
      }
    } finally {
      g.dispose();
    }
    return image;
  }

  /** JPEG bytes of an image at the given quality (0..1). */
  public static byte[] jpeg(BufferedImage image, float quality) {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      writer.setOutput(out);
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(quality);
      writer.write(null, new IIOImage(image, null, null), param);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }

  private static boolean overlapsAny(List<Shape> shapes, double x, double y, double w, double h) {
    double gap = 4;
    for (Shape s : shapes) {
      if (x < s.x() + s.w() + gap && s.x() < x + w + gap && y < s.y() + s.h() + gap && s.y() < y + h + gap) {
        return true;
      }
    }
    return false;
  }

  /** Position on [0, span] of a point moving freely, reflected at both ends. */
  private static double bounce(double p, double span) {
    if (span <= 0) {
      return 0;
    }
    double period = 2 * span;
    double m = ((p % period) + period) % period;
    return m <= span ? m : period - m;
  }
}

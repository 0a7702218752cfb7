package jdetr.data;

import java.awt.Shape;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;

/**
 * The shape classes of the synthetic dataset. Each outline exactly fills its box [x, y, w, h]:
 * it touches all four sides, so the box is the exact bounding box of the drawn shape.
 */
public enum ShapeKind {
  ELLIPSE("ellipse"),
  RECTANGLE("rectangle"),
  TRIANGLE("triangle"),
  DIAMOND("diamond"),
  CROSS("cross");

  public static final int COUNT = 5;

  private final String label;

  ShapeKind(String label) {
    this.label = label;
  }

  /** The category name. */
  public String label() {
    return label;
  }

  /** Category id: 1 + ordinal (COCO style; 0 is never a category). */
  public int categoryId() {
    return ordinal() + 1;
  }

  /**
   * The outline; {@code shape} in [0, 1) places a triangle's apex along the top side and sets a
   * cross's bar thickness.
   */
  public Shape outline(double x, double y, double w, double h, double shape) {
    return switch (this) {
      case ELLIPSE -> new Ellipse2D.Double(x, y, w, h);
      case RECTANGLE -> new Rectangle2D.Double(x, y, w, h);
      case TRIANGLE -> polygon(new double[] {x + shape * w, y, x + w, y + h, x, y + h});
      case DIAMOND -> polygon(new double[] {x + w / 2, y, x + w, y + h / 2, x + w / 2, y + h, x, y + h / 2});
      case CROSS -> {
        double t = 0.25 + 0.2 * shape;
        Area a = new Area(new Rectangle2D.Double(x, y + h * (1 - t) / 2, w, h * t));
        a.add(new Area(new Rectangle2D.Double(x + w * (1 - t) / 2, y, w * t, h)));
        yield a;
      }
    };
  }

  /** Geometric area of the outline. */
  public double area(double w, double h, double shape) {
    return switch (this) {
      case ELLIPSE -> Math.PI * w * h / 4;
      case RECTANGLE -> w * h;
      case TRIANGLE, DIAMOND -> w * h / 2;
      case CROSS -> {
        double t = 0.25 + 0.2 * shape;
        yield w * h * t + w * t * h - w * t * h * t;
      }
    };
  }

  private static Shape polygon(double[] xy) {
    Path2D.Double p = new Path2D.Double();
    p.moveTo(xy[0], xy[1]);
    for (int i = 2; i < xy.length; i += 2) p.lineTo(xy[i], xy[i + 1]);
    p.closePath();
    return p;
  }
}

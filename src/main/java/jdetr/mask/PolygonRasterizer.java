package jdetr.mask;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * maskApi's {@code rleFrPoly}, bit for bit: the polygon is upsampled by 5 and rounded to integer
 * points, its edges are walked point by point (along the longer axis, the other coordinate
 * rounded), the points where the walk changes column are downsampled to pixel boundaries, and the
 * sorted boundary positions become the run lengths.
 *
 * <p>C's double-to-int conversion is reproduced as x86-64 performs it ({@code cvttsd2si}: toward
 * zero, and {@code INT_MIN} for NaN or out-of-range values), since the reference is built there.
 */
public final class PolygonRasterizer {
  private static final double SCALE = 5;
  /** Boundary points a polygon may produce (at 5x scale): bounds the memory absurd input takes. */
  static final long MAX_BOUNDARY_POINTS = 50_000_000L;

  private PolygonRasterizer() {}

  /**
   * One polygon {@code [x0, y0, x1, y1, ...]} in pixels (k = xy.length / 2 points, closed) into an
   * RLE of size {@code h x w}; what lies outside the image is cut off.
   *
   * @throws IllegalArgumentException when the coordinates are so far out that the edge walk would
   *     take more than {@link #MAX_BOUNDARY_POINTS} points
   */
  public static Rle rasterize(double[] xy, int h, int w) {
    Rle.checkSize(h, w);
    int k = xy.length / 2;
    // upsample and get discrete points densely along the entire boundary
    int[] x = new int[k + 1];
    int[] y = new int[k + 1];
    for (int j = 0; j < k; j++) {
      x[j] = cToInt(SCALE * xy[j * 2] + .5);
    }
    if (k > 0) {
      x[k] = x[0];
    }
    for (int j = 0; j < k; j++) {
      y[j] = cToInt(SCALE * xy[j * 2 + 1] + .5);
    }
    if (k > 0) {
      y[k] = y[0];
    }
    long total = 0;
    for (int j = 0; j < k; j++) {
      total += Math.max(Math.abs((long) x[j] - x[j + 1]), Math.abs((long) y[j] - y[j + 1])) + 1;
    }
    if (total > MAX_BOUNDARY_POINTS) {
      throw new IllegalArgumentException("polygon is too large to rasterize (" + total
          + " boundary points at 5x scale); are its coordinates in pixels?");
    }
    int[] u = new int[(int) total];
    int[] v = new int[(int) total];
    int m = 0;
    for (int j = 0; j < k; j++) {
      int xs = x[j];
      int xe = x[j + 1];
      int ys = y[j];
      int ye = y[j + 1];
      int dx = Math.abs(xe - xs);
      int dy = Math.abs(ys - ye);
      boolean flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
      if (flip) {
        int t = xs;
        xs = xe;
        xe = t;
        t = ys;
        ys = ye;
        ye = t;
      }
      double s = dx >= dy ? (double) (ye - ys) / dx : (double) (xe - xs) / dy;
      if (dx >= dy) {
        for (int d = 0; d <= dx; d++) {
          int t = flip ? dx - d : d;
          u[m] = t + xs;
          v[m] = cToInt(ys + s * t + .5);
          m++;
        }
      } else {
        for (int d = 0; d <= dy; d++) {
          int t = flip ? dy - d : d;
          v[m] = t + ys;
          u[m] = cToInt(xs + s * t + .5);
          m++;
        }
      }
    }
    // get points along the y-boundary and downsample
    int n = m;
    int[] bx = new int[n];
    int[] by = new int[n];
    m = 0;
    double wMax = (double) w - 1; // maskApi compares with the unsigned w - 1
    if (w == 0) {
      wMax = 0x1p64;
    }
    for (int j = 1; j < n; j++) {
      if (u[j] != u[j - 1]) {
        double xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
        xd = (xd + .5) / SCALE - .5;
        if (Math.floor(xd) != xd || xd < 0 || xd > wMax) {
          continue;
        }
        double yd = v[j] < v[j - 1] ? v[j] : v[j - 1];
        yd = (yd + .5) / SCALE - .5;
        if (yd < 0) {
          yd = 0;
        } else if (yd > h) {
          yd = h;
        }
        yd = Math.ceil(yd);
        bx[m] = cToInt(xd);
        by[m] = cToInt(yd);
        m++;
      }
    }
    // the RLE from the y-boundary points (uint arithmetic, as maskApi)
    int kk = m;
    long[] a = new long[kk + 1];
    for (int j = 0; j < kk; j++) {
      a[j] = (bx[j] * h + by[j]) & 0xFFFFFFFFL;
    }
    a[kk++] = ((long) h * w) & 0xFFFFFFFFL;
    Arrays.sort(a, 0, kk);
    long p = 0;
    for (int j = 0; j < kk; j++) {
      long t = a[j];
      a[j] -= p;
      p = t;
    }
    int[] b = new int[kk];
    int j = 0;
    m = 0;
    b[m++] = (int) a[j++];
    while (j < kk) {
      if (a[j] > 0) {
        b[m++] = (int) a[j++];
      } else {
        j++;
        if (j < kk) {
          b[m - 1] += (int) a[j++];
        }
      }
    }
    return Rle.trusted(h, w, Arrays.copyOf(b, m));
  }

  /**
   * pycocotools' {@code frPyObjects} on a list of polygons followed by {@code merge}: the union of
   * the polygons' masks, as {@code COCO.annToRLE} builds an object's mask.
   */
  public static Rle rasterizeAll(List<double[]> polygons, int h, int w) {
    List<Rle> parts = new ArrayList<>(polygons.size());
    for (double[] xy : polygons) {
      parts.add(rasterize(xy, h, w));
    }
    return Rle.merge(parts, false);
  }

  /** C's {@code (int) v} on x86-64 (cvttsd2si): truncation, INT_MIN when NaN or out of range. */
  static int cToInt(double v) {
    if (Double.isNaN(v) || v >= 0x1p31 || v <= -0x1p31 - 1) {
      return Integer.MIN_VALUE;
    }
    return (int) v;
  }
}

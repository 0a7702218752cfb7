package jdetr.serve;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import jdetr.data.RgbImage;
import jdetr.eval.Detection;
import jdetr.mask.Rle;

/**
 * A classical detector for flat, saturated shapes on a grey background (the {@link ShapesScene}
 * pictures): it thresholds colour saturation, splits the saturated pixels by hue, finds
 * 4-connected regions, and names each region rectangle, ellipse or triangle by how much of its
 * bounding box it fills (1, pi/4, 1/2). The score falls with the distance of that fill ratio from
 * the ideal one. Each detection carries its region as an exact mask (the pixels it thresholded and
 * filled). It serves `jdetr serve --detector shapes-threshold` for demos without a trained
 * model, and drives the server mechanics tests on real decoded frames. {@link #prepare} computes the
 * hue bucket of every pixel; {@link #detect} finds the regions.
 */
public final class ShapesThresholdDetector implements Detector<ShapesThresholdDetector.Hues> {

  /**
   * A frame as hue buckets.
   *
   * @param buckets per pixel, row-major: 1..6 for red, yellow, green, cyan, blue, magenta; 0 for
   *     unsaturated or dark pixels
   */
  public record Hues(int width, int height, byte[] buckets) {}

  private static final double[] IDEAL_FILL = {1.0, Math.PI / 4, 0.5};
  private static final int MIN_CHROMA = 60;
  private static final int MIN_VALUE = 80;

  private int[] marks = new int[0];
  private int[] stack = new int[0];

  @Override
  public List<String> classNames() {
    return ShapesScene.CLASSES;
  }

  @Override
  public String description() {
    return "shapes-threshold (colour-threshold shape finder, no learned weights)";
  }

  @Override
  public Hues prepare(RgbImage frame) {
    byte[] px = frame.pixels();
    byte[] buckets = new byte[frame.width() * frame.height()];
    for (int i = 0, p = 0; i < buckets.length; i++, p += 3) {
      buckets[i] = (byte) hueBucket(px[p] & 0xFF, px[p + 1] & 0xFF, px[p + 2] & 0xFF);
    }
    return new Hues(frame.width(), frame.height(), buckets);
  }

  @Override
  public List<List<Detection>> detect(List<Hues> frames) {
    List<List<Detection>> out = new ArrayList<>(frames.size());
    for (Hues frame : frames) {
      out.add(detect(frame));
    }
    return out;
  }

  private List<Detection> detect(Hues frame) {
    int w = frame.width();
    int h = frame.height();
    int n = w * h;
    if (marks.length < n) {
      marks = new int[n];
      stack = new int[n];
    }
    int[] hue = marks; // hue bucket per pixel (0 = background); -region once visited
    for (int i = 0; i < n; i++) {
      hue[i] = frame.buckets()[i];
    }
    int minArea = Math.max(24, n / 2500);
    List<Detection> found = new ArrayList<>();
    int region = 0;
    for (int start = 0; start < n; start++) {
      int bucket = hue[start];
      if (bucket <= 0) {
        continue;
      }
      // flood fill the region of this bucket; its pixels are marked -region
      region++;
      int visited = -region;
      int top = 0;
      stack[top++] = start;
      hue[start] = visited;
      int area = 0;
      int minX = w;
      int minY = h;
      int maxX = -1;
      int maxY = -1;
      while (top > 0) {
        int p = stack[--top];
        int x = p % w;
        int y = p / w;
        area++;
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
        if (x > 0 && hue[p - 1] == bucket) {
          hue[p - 1] = visited;
          stack[top++] = p - 1;
        }
        if (x < w - 1 && hue[p + 1] == bucket) {
          hue[p + 1] = visited;
          stack[top++] = p + 1;
        }
        if (y > 0 && hue[p - w] == bucket) {
          hue[p - w] = visited;
          stack[top++] = p - w;
        }
        if (y < h - 1 && hue[p + w] == bucket) {
          hue[p + w] = visited;
          stack[top++] = p + w;
        }
      }
      int bw = maxX - minX + 1;
      int bh = maxY - minY + 1;
      if (area < minArea || bw < 4 || bh < 4) {
        continue;
      }
      double fill = area / (double) (bw * bh);
      int label = nearestShape(fill);
      double score = Math.max(0.05, 1 - Math.abs(fill - IDEAL_FILL[label]) / 0.2);
      found.add(new Detection(label, (float) score, minX, minY, maxX + 1, maxY + 1)
          .withMask(regionMask(hue, visited, w, h, minX, minY, maxX, maxY)));
    }
    found.sort(Comparator.comparingDouble(Detection::score).reversed());
    return found;
  }

  /**
   * The pixels marked {@code visited} as a mask of the frame: COCO runs, column-major, built from
   * the columns of the region's box (every other pixel is background).
   */
  private static Rle regionMask(int[] marks, int visited, int w, int h, int minX, int minY, int maxX,
      int maxY) {
    int[] counts = new int[16];
    int size = 0;
    boolean on = false;
    int run = minX * h; // the columns left of the box
    for (int x = minX; x <= maxX; x++) {
      for (int y = 0; y < h; y++) {
        boolean in = y >= minY && y <= maxY && marks[y * w + x] == visited;
        if (in != on) {
          counts = room(counts, size);
          counts[size++] = run;
          run = 0;
          on = in;
        }
        run++;
      }
    }
    if (on) { // the region reaches the bottom of the box's last column
      counts = room(counts, size);
      counts[size++] = run;
      run = 0;
    }
    run += (w - 1 - maxX) * h; // the columns right of the box
    if (run > 0) {
      counts = room(counts, size);
      counts[size++] = run;
    }
    return Rle.of(h, w, Arrays.copyOf(counts, size));
  }

  private static int[] room(int[] counts, int size) {
    return size < counts.length ? counts : Arrays.copyOf(counts, 2 * counts.length);
  }

  private static int nearestShape(double fill) {
    int best = 0;
    for (int k = 1; k < IDEAL_FILL.length; k++) {
      if (Math.abs(fill - IDEAL_FILL[k]) < Math.abs(fill - IDEAL_FILL[best])) {
        best = k;
      }
    }
    return best;
  }

  /** 1..6 for red, yellow, green, cyan, blue, magenta; 0 for unsaturated or dark pixels. */
  private static int hueBucket(int r, int g, int b) {
    int max = Math.max(r, Math.max(g, b));
    int min = Math.min(r, Math.min(g, b));
    int chroma = max - min;
    if (chroma < MIN_CHROMA || max < MIN_VALUE) {
      return 0;
    }
    double sector; // hue / 60 degrees, in [0, 6)
    if (max == r) {
      sector = (g - b) / (double) chroma;
      if (sector < 0) {
        sector += 6;
      }
    } else if (max == g) {
      sector = 2 + (b - r) / (double) chroma;
    } else {
      sector = 4 + (r - g) / (double) chroma;
    }
    return (int) Math.round(sector) % 6 + 1;
  }
}

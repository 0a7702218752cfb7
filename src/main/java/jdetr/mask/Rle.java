package jdetr.mask;

import java.util.Arrays;
import java.util.List;

/**
 * A binary mask of {@code h x w} pixels run-length encoded as COCO (pycocotools' maskApi) encodes
 * it: the pixels are read column by column (column-major, {@code index = x * h + y}), and
 * {@code counts} alternates runs of 0s and 1s, starting with 0s (a mask starting with a 1 has a
 * first count of 0).
 *
 * <p>Counts are unsigned 32-bit numbers in maskApi; here they are non-negative ints and an RLE
 * built from outside data always sums to {@code h * w} ({@link #of} checks it).
 */
public final class Rle {
  private final int h;
  private final int w;
  private final int[] counts;

  private Rle(int h, int w, int[] counts) {
    this.h = h;
    this.w = w;
    this.counts = counts;
  }

  /**
   * An RLE from its size and counts, checked: the counts are non-negative and sum to {@code h * w}.
   *
   * @throws IllegalArgumentException naming the problem
   */
  public static Rle of(int h, int w, int[] counts) {
    checkSize(h, w);
    long sum = 0;
    for (int j = 0; j < counts.length; j++) {
      if (counts[j] < 0) {
        throw new IllegalArgumentException("counts[" + j + "] is negative: " + counts[j]);
      }
      sum += counts[j];
    }
    if (sum != (long) h * w) {
      throw new IllegalArgumentException("counts sum to " + sum + ", but size [" + h + ", " + w
          + "] has " + (long) h * w + " pixels");
    }
    return new Rle(h, w, counts.clone());
  }

  /** Counts produced by the algorithms of this package, already known to be consistent. */
  static Rle trusted(int h, int w, int[] counts) {
    return new Rle(h, w, counts);
  }

  static void checkSize(int h, int w) {
    if (h < 0 || w < 0 || (long) h * w > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("mask size [" + h + ", " + w + "] is not supported");
    }
  }

  public int height() {
    return h;
  }

  public int width() {
    return w;
  }

  /** Number of runs. */
  public int numCounts() {
    return counts.length;
  }

  public int count(int j) {
    return counts[j];
  }

  public int[] counts() {
    return counts.clone();
  }

  /** maskApi's {@code rleEncode} of a row-major {@code [h, w]} mask (any non-zero byte is a 1). */
  public static Rle encode(byte[] rowMajor, int h, int w) {
    checkSize(h, w);
    if (rowMajor.length != h * w) {
      throw new IllegalArgumentException("mask has " + rowMajor.length + " pixels, expected "
          + h + " x " + w);
    }
    int[] cnts = new int[h * w + 1];
    int k = 0;
    boolean p = false;
    int c = 0;
    for (int x = 0; x < w; x++) {
      for (int y = 0; y < h; y++) {
        boolean v = rowMajor[y * w + x] != 0;
        if (v != p) {
          cnts[k++] = c;
          c = 0;
          p = v;
        }
        c++;
      }
    }
    cnts[k++] = c;
    return new Rle(h, w, Arrays.copyOf(cnts, k));
  }

  /** maskApi's {@code rleDecode}, returned row-major {@code [h, w]}: 1 inside, 0 outside. */
  public byte[] decode() {
    byte[] out = new byte[h * w];
    int i = 0;
    byte v = 0;
    for (int c : counts) {
      if (v != 0) {
        for (int k = 0; k < c; k++, i++) {
          out[(i % h) * w + i / h] = 1;
        }
      } else {
        i += c;
      }
      v ^= 1;
    }
    return out;
  }

  /** maskApi's {@code rleArea}: the number of 1 pixels (the sum of the odd counts). */
  public long area() {
    long a = 0;
    for (int j = 1; j < counts.length; j += 2) {
      a += counts[j];
    }
    return a;
  }

  /**
   * maskApi's {@code rleToBbox}: {@code [x, y, w, h]} of the 1 pixels, {@code [0, 0, 0, 0]} for
   * an empty mask. As in maskApi, a mask spanning more than one column gets the full height.
   */
  public double[] toBbox() {
    int m = (counts.length / 2) * 2;
    if (m == 0) {
      return new double[4];
    }
    // uint arithmetic, as maskApi
    long xs = w;
    long ys = h;
    long xe = 0;
    long ye = 0;
    long cc = 0;
    long xp = 0;
    for (int j = 0; j < m; j++) {
      cc = (cc + counts[j]) & 0xFFFFFFFFL;
      long t = (cc - j % 2) & 0xFFFFFFFFL;
      long y = t % h;
      long x = (t - y) / h;
      if (j % 2 == 0) {
        xp = x;
      } else if (xp < x) {
        ys = 0;
        ye = h - 1;
      }
      xs = Math.min(xs, x);
      xe = Math.max(xe, x);
      ys = Math.min(ys, y);
      ye = Math.max(ye, y);
    }
    return new double[] {xs, ys, xe - xs + 1, ye - ys + 1};
  }

  /**
   * maskApi's {@code rleMerge}: the union (or intersection) of masks of one size; the empty RLE of
   * size 0 x 0 for no mask, and (as maskApi) an empty 0 x 0 RLE when the sizes differ.
   */
  public static Rle merge(List<Rle> masks, boolean intersect) {
    if (masks.isEmpty()) {
      return new Rle(0, 0, new int[0]);
    }
    Rle first = masks.get(0);
    if (masks.size() == 1) {
      return first;
    }
    int h = first.h;
    int w = first.w;
    int[] a = first.counts;
    for (int i = 1; i < masks.size(); i++) {
      Rle b = masks.get(i);
      if (b.h != h || b.w != w) {
        return new Rle(0, 0, new int[0]);
      }
      // at most one run per step, and every step consumes a run of a or b
      int[] cnts = new int[a.length + b.counts.length];
      int m = 0;
      long ca = a[0];
      long cb = b.counts[0];
      boolean v = false;
      boolean va = false;
      boolean vb = false;
      int ia = 1;
      int ib = 1;
      long cc = 0;
      long ct = 1;
      while (ct > 0) {
        long c = Math.min(ca, cb);
        cc += c;
        ct = 0;
        ca -= c;
        if (ca == 0 && ia < a.length) {
          ca = a[ia++];
          va = !va;
        }
        ct += ca;
        cb -= c;
        if (cb == 0 && ib < b.counts.length) {
          cb = b.counts[ib++];
          vb = !vb;
        }
        ct += cb;
        boolean vp = v;
        v = intersect ? va && vb : va || vb;
        if (v != vp || ct == 0) {
          cnts[m++] = (int) cc;
          cc = 0;
        }
      }
      a = Arrays.copyOf(cnts, m);
    }
    return new Rle(h, w, a);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Rle r && r.h == h && r.w == w && Arrays.equals(r.counts, counts);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * h + w) + Arrays.hashCode(counts);
  }

  @Override
  public String toString() {
    return "Rle[" + h + "x" + w + ", " + counts.length + " counts]";
  }
}

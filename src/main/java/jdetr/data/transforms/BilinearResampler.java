package jdetr.data.transforms;

import jdetr.data.RgbImage;

/**
 * Bilinear resampling exactly as PIL's {@code Image.resize(size, BILINEAR)} on 8-bit RGB (what
 * torchvision's {@code F.resize} does to PIL images): a triangle filter widened by the scale when
 * shrinking (antialiasing), coefficients normalised per output pixel and rounded to 22-bit fixed
 * point, a horizontal pass over the rows the vertical pass needs, then a vertical pass, each
 * rounding to 8 bits.
 */
public final class BilinearResampler {
  private static final int PRECISION_BITS = 32 - 8 - 2;
  private static final int HALF = 1 << (PRECISION_BITS - 1);

  private BilinearResampler() {}

  /** Filter taps of one axis: for output i, {@code count[i]} weights from input {@code first[i]}. */
  record Taps(int size, int[] first, int[] count, int[] weights) {
    int width() {
      return weights.length / size;
    }
  }

  /** PIL's {@code precompute_coeffs} + {@code normalize_coeffs_8bpc} for the bilinear filter. */
  static Taps taps(int inSize, int outSize) {
    double scale = (double) inSize / outSize;
    double filterScale = Math.max(scale, 1.0);
    double support = filterScale; // bilinear support 1.0
    int ksize = (int) Math.ceil(support) * 2 + 1;
    int[] first = new int[outSize];
    int[] count = new int[outSize];
    int[] weights = new int[outSize * ksize];
    double[] k = new double[ksize];
    double ss = 1.0 / filterScale;
    for (int xx = 0; xx < outSize; xx++) {
      double center = (xx + 0.5) * scale;
      int xmin = (int) (center - support + 0.5);
      if (xmin < 0) xmin = 0;
      int xmax = (int) (center + support + 0.5);
      if (xmax > inSize) xmax = inSize;
      xmax -= xmin;
      double ww = 0.0;
      for (int x = 0; x < xmax; x++) {
        double t = Math.abs((x + xmin - center + 0.5) * ss);
        double w = t < 1.0 ? 1.0 - t : 0.0;
        k[x] = w;
        ww += w;
      }
      for (int x = 0; x < xmax; x++) {
        double v = ww != 0.0 ? k[x] / ww : k[x];
        weights[xx * ksize + x] =
            v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
      }
      first[xx] = xmin;
      count[xx] = xmax;
    }
    return new Taps(outSize, first, count, weights);
  }

  private static int clip8(int v) {
    v >>= PRECISION_BITS;
    return v < 0 ? 0 : Math.min(v, 255);
  }

  /** Resizes to {@code outWidth x outHeight}; the same size gives the same image. */
  public static RgbImage resize(RgbImage in, int outWidth, int outHeight) {
    if (outWidth <= 0 || outHeight <= 0) {
      throw new IllegalArgumentException("resize to " + outWidth + "x" + outHeight);
    }
    boolean horizontal = outWidth != in.width();
    boolean vertical = outHeight != in.height();
    if (!horizontal && !vertical) return in;
    Taps vt = taps(in.height(), outHeight);
    byte[] src = in.pixels();
    int rowFirst = 0;
    int srcWidth = in.width();
    if (horizontal) {
      rowFirst = vt.first()[0];
      int rowLast = vt.first()[outHeight - 1] + vt.count()[outHeight - 1];
      int rows = vertical ? rowLast - rowFirst : in.height();
      if (!vertical) rowFirst = 0;
      src = horizontalPass(src, in.width(), rowFirst, rows, taps(in.width(), outWidth));
      srcWidth = outWidth;
      if (!vertical) return new RgbImage(outWidth, outHeight, src);
    }
    return new RgbImage(outWidth, outHeight, verticalPass(src, srcWidth, rowFirst, vt));
  }

  /** Rows [rowFirst, rowFirst + rows) of the input, resampled along x. */
  private static byte[] horizontalPass(byte[] in, int inWidth, int rowFirst, int rows, Taps t) {
    int outWidth = t.size(), ksize = t.width();
    int[] first = t.first(), count = t.count(), w = t.weights();
    byte[] out = new byte[3 * outWidth * rows];
    for (int y = 0; y < rows; y++) {
      int rowIn = 3 * (rowFirst + y) * inWidth;
      int o = 3 * y * outWidth;
      for (int xx = 0; xx < outWidth; xx++) {
        int s0 = HALF, s1 = HALF, s2 = HALF;
        int p = rowIn + 3 * first[xx];
        int kb = xx * ksize;
        for (int x = 0, n = count[xx]; x < n; x++, p += 3) {
          int k = w[kb + x];
          s0 += (in[p] & 0xff) * k;
          s1 += (in[p + 1] & 0xff) * k;
          s2 += (in[p + 2] & 0xff) * k;
        }
        out[o++] = (byte) clip8(s0);
        out[o++] = (byte) clip8(s1);
        out[o++] = (byte) clip8(s2);
      }
    }
    return out;
  }

  /** Resamples along y; input row r of the taps is row {@code r - rowOffset} of {@code in}. */
  private static byte[] verticalPass(byte[] in, int width, int rowOffset, Taps t) {
    int outHeight = t.size(), ksize = t.width();
    int[] first = t.first(), count = t.count(), w = t.weights();
    int stride = 3 * width;
    byte[] out = new byte[stride * outHeight];
    int[] acc = new int[stride];
    for (int yy = 0; yy < outHeight; yy++) {
      java.util.Arrays.fill(acc, HALF);
      int kb = yy * ksize;
      for (int y = 0, n = count[yy]; y < n; y++) {
        int k = w[kb + y];
        int row = (first[yy] - rowOffset + y) * stride;
        for (int i = 0; i < stride; i++) acc[i] += (in[row + i] & 0xff) * k;
      }
      int o = yy * stride;
      for (int i = 0; i < stride; i++) out[o + i] = (byte) clip8(acc[i]);
    }
    return out;
  }
}

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

  /**
   * PIL's {@code clip8}. Bilinear weights are never negative, so sums are never below zero and
   * only the upper clamp (for rounding above 255) can apply.
   */
  private static int clip8(int v) {
    return Math.min(v >> PRECISION_BITS, 255);
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

  /**
   * Resizes and normalises in one go: the vertical pass writes each 8-bit result through
   * {@code normalize}'s table straight into [3, outHeight, outWidth] float32 planes. Same values
   * as {@code normalize.pixels(resize(in, outWidth, outHeight))}.
   */
  public static float[] resizeNormalized(RgbImage in, int outWidth, int outHeight,
      Normalize normalize) {
    if (outWidth <= 0 || outHeight <= 0) {
      throw new IllegalArgumentException("resize to " + outWidth + "x" + outHeight);
    }
    boolean horizontal = outWidth != in.width();
    if (outHeight == in.height()) {
      return normalize.pixels(horizontal ? resize(in, outWidth, outHeight) : in);
    }
    Taps vt = taps(in.height(), outHeight);
    byte[] src = in.pixels();
    int rowFirst = 0;
    if (horizontal) {
      rowFirst = vt.first()[0];
      int rowLast = vt.first()[outHeight - 1] + vt.count()[outHeight - 1];
      src = horizontalPass(src, in.width(), rowFirst, rowLast - rowFirst, taps(in.width(), outWidth));
    }
    return verticalPassNormalized(src, outWidth, rowFirst, vt, normalize);
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
        if (count[xx] == 2) { // upscaling: two taps
          int k0 = w[kb], k1 = w[kb + 1];
          out[o++] = (byte) clip8(s0 + (in[p] & 0xff) * k0 + (in[p + 3] & 0xff) * k1);
          out[o++] = (byte) clip8(s1 + (in[p + 1] & 0xff) * k0 + (in[p + 4] & 0xff) * k1);
          out[o++] = (byte) clip8(s2 + (in[p + 2] & 0xff) * k0 + (in[p + 5] & 0xff) * k1);
          continue;
        }
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
      int kb = yy * ksize, o = yy * stride;
      int r0 = (first[yy] - rowOffset) * stride;
      if (count[yy] == 2) { // upscaling: two taps, one fused loop
        int k0 = w[kb], k1 = w[kb + 1], r1 = r0 + stride;
        for (int i = 0; i < stride; i++) {
          out[o + i] = (byte) clip8(HALF + (in[r0 + i] & 0xff) * k0 + (in[r1 + i] & 0xff) * k1);
        }
        continue;
      }
      java.util.Arrays.fill(acc, HALF);
      for (int y = 0, n = count[yy]; y < n; y++) {
        int k = w[kb + y];
        int row = r0 + y * stride;
        for (int i = 0; i < stride; i++) acc[i] += (in[row + i] & 0xff) * k;
      }
      for (int i = 0; i < stride; i++) out[o + i] = (byte) clip8(acc[i]);
    }
    return out;
  }

  /** {@link #verticalPass} writing normalised floats into [3, H, W] planes. */
  private static float[] verticalPassNormalized(byte[] in, int width, int rowOffset, Taps t,
      Normalize normalize) {
    int outHeight = t.size(), ksize = t.width();
    int[] first = t.first(), count = t.count(), w = t.weights();
    int stride = 3 * width, plane = width * outHeight;
    float[] table = normalize.table();
    float[] out = new float[3 * plane];
    int[] acc = new int[stride];
    for (int yy = 0; yy < outHeight; yy++) {
      int kb = yy * ksize;
      int r0 = (first[yy] - rowOffset) * stride;
      if (count[yy] == 2) {
        int k0 = w[kb], k1 = w[kb + 1], r1 = r0 + stride;
        for (int i = 0; i < stride; i++) {
          acc[i] = HALF + (in[r0 + i] & 0xff) * k0 + (in[r1 + i] & 0xff) * k1;
        }
      } else {
        java.util.Arrays.fill(acc, HALF);
        for (int y = 0, n = count[yy]; y < n; y++) {
          int k = w[kb + y];
          int row = r0 + y * stride;
          for (int i = 0; i < stride; i++) acc[i] += (in[row + i] & 0xff) * k;
        }
      }
      int o = yy * width;
      for (int x = 0, i = 0; x < width; x++, i += 3) {
        out[o + x] = table[clip8(acc[i])];
        out[plane + o + x] = table[256 + clip8(acc[i + 1])];
        out[2 * plane + o + x] = table[512 + clip8(acc[i + 2])];
      }
    }
    return out;
  }
}

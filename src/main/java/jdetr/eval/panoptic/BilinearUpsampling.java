package jdetr.eval.panoptic;

/**
 * PyTorch's {@code F.interpolate(x, size, mode="bilinear")} (align_corners False, no scale factor)
 * on float32 maps, to the bit as its CPU kernel computes it: per axis, {@code scale = (float) in /
 * out}, source index {@code max(scale * (i + 0.5) - 0.5, 0)} in double, the lower neighbour, the
 * upper weight {@code lambda} rounded to float and the lower {@code 1 - lambda} in float (an axis
 * of unchanged size is copied); per pixel, the four weights {@code h * w} in float and the sum of
 * weight times value in double, rounded to float once.
 */
public final class BilinearUpsampling {
  private BilinearUpsampling() {}

  /** One axis: lower and upper source index and their weights, per output index. */
  private record Axis(int[] lo, int[] hi, float[] wLo, float[] wHi) {
    static Axis of(int in, int out) {
      int[] lo = new int[out], hi = new int[out];
      float[] wLo = new float[out], wHi = new float[out];
      float scale = (float) in / out;
      for (int i = 0; i < out; i++) {
        if (in == out) {
          lo[i] = i;
          hi[i] = i;
          wLo[i] = 1f;
          continue;
        }
        double real = Math.max(scale * (i + 0.5) - 0.5, 0);
        int index = Math.min((int) real, in - 1);
        float lambda = (float) Math.min(Math.max(real - index, 0), 1);
        lo[i] = index;
        hi[i] = index + (index < in - 1 ? 1 : 0);
        wLo[i] = 1f - lambda;
        wHi[i] = lambda;
      }
      return new Axis(lo, hi, wLo, wHi);
    }
  }

  /**
   * Resizes {@code n} maps of {@code h x w} ({@code [n, h, w]} row-major) to {@code outH x outW}:
   * {@code [n, outH, outW]}.
   */
  public static float[] resize(float[] maps, int n, int h, int w, int outH, int outW) {
    if (maps.length != (long) n * h * w) {
      throw new IllegalArgumentException(
          maps.length + " values for " + n + " maps of " + h + "x" + w);
    }
    if (outH <= 0 || outW <= 0 || h <= 0 || w <= 0) {
      throw new IllegalArgumentException("sizes must be positive: " + h + "x" + w + " to " + outH
          + "x" + outW);
    }
    Axis ys = Axis.of(h, outH), xs = Axis.of(w, outW);
    float[] out = new float[n * outH * outW];
    for (int m = 0; m < n; m++) {
      int base = m * h * w, o = m * outH * outW;
      for (int y = 0; y < outH; y++) {
        int r0 = base + ys.lo[y] * w, r1 = base + ys.hi[y] * w;
        float h0 = ys.wLo[y], h1 = ys.wHi[y];
        for (int x = 0; x < outW; x++) {
          int c0 = xs.lo[x], c1 = xs.hi[x];
          float w0 = xs.wLo[x], w1 = xs.wHi[x];
          double v = (double) (h0 * w0) * maps[r0 + c0] + (double) (h0 * w1) * maps[r0 + c1]
              + (double) (h1 * w0) * maps[r1 + c0] + (double) (h1 * w1) * maps[r1 + c1];
          out[o++] = (float) v;
        }
      }
    }
    return out;
  }
}

package jdetr.eval;

/**
 * {@code np.mean} of a float64 vector, to the last bit: numpy sums a contiguous vector in buffers of
 * 8192 elements, each by its pairwise summation (8 partial sums in blocks of up to 128), adds the
 * buffers in order starting from 0.0, then divides by the count.
 */
final class NumpyMean {
  private static final int BUFFER = 8192;
  private static final int BLOCK = 128;

  private NumpyMean() {}

  static double mean(double[] values, int n) {
    double sum = 0.0;
    for (int lo = 0; lo < n; lo += BUFFER) {
      sum += pairwise(values, lo, Math.min(BUFFER, n - lo));
    }
    return sum / n;
  }

  /** numpy's {@code pairwise_sum_DOUBLE}. */
  static double pairwise(double[] a, int lo, int n) {
    if (n < 8) {
      double res = 0.0;
      for (int i = 0; i < n; i++) {
        res += a[lo + i];
      }
      return res;
    } else if (n <= BLOCK) {
      double r0 = a[lo], r1 = a[lo + 1], r2 = a[lo + 2], r3 = a[lo + 3];
      double r4 = a[lo + 4], r5 = a[lo + 5], r6 = a[lo + 6], r7 = a[lo + 7];
      int i;
      for (i = 8; i < n - (n % 8); i += 8) {
        int b = lo + i;
        r0 += a[b];
        r1 += a[b + 1];
        r2 += a[b + 2];
        r3 += a[b + 3];
        r4 += a[b + 4];
        r5 += a[b + 5];
        r6 += a[b + 6];
        r7 += a[b + 7];
      }
      double res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
      for (; i < n; i++) {
        res += a[lo + i];
      }
      return res;
    } else {
      int n2 = n / 2;
      n2 -= n2 % 8;
      return pairwise(a, lo, n2) + pairwise(a, lo + n2, n - n2);
    }
  }
}

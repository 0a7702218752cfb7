package jdetr.eval;

/**
 * Highest score first, ties in input order: numpy's {@code argsort(-scores, kind='mergesort')}.
 *
 * <p>Scores are compared with {@code >} on primitives, so 0.0 and -0.0 tie as they do in numpy.
 */
final class ScoreOrder {
  private ScoreOrder() {}

  /** Indices 0..n-1 ordered by descending {@code scores[i]}, stable. */
  static int[] descending(double[] scores, int n) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    sortDescending(order, n, scores);
    return order;
  }

  /** Sorts {@code idx[0..n)} by descending {@code key[idx[i]]}, keeping the order of equal keys. */
  static void sortDescending(int[] idx, int n, double[] key) {
    if (n < 2) {
      return;
    }
    int[] buf = new int[n];
    // bottom-up merge sort; insertion sort on runs of 16 first
    final int run = 16;
    for (int lo = 0; lo < n; lo += run) {
      int hi = Math.min(lo + run, n);
      for (int i = lo + 1; i < hi; i++) {
        int v = idx[i];
        double kv = key[v];
        int j = i - 1;
        while (j >= lo && kv > key[idx[j]]) {
          idx[j + 1] = idx[j];
          j--;
        }
        idx[j + 1] = v;
      }
    }
    int[] src = idx;
    int[] dst = buf;
    for (int width = run; width < n; width *= 2) {
      for (int lo = 0; lo < n; lo += 2 * width) {
        int mid = Math.min(lo + width, n);
        int hi = Math.min(lo + 2 * width, n);
        int i = lo;
        int j = mid;
        int k = lo;
        while (i < mid && j < hi) {
          // take the right element only when strictly higher: equal keys keep input order
          if (key[src[j]] > key[src[i]]) {
            dst[k++] = src[j++];
          } else {
            dst[k++] = src[i++];
          }
        }
        while (i < mid) {
          dst[k++] = src[i++];
        }
        while (j < hi) {
          dst[k++] = src[j++];
        }
      }
      int[] t = src;
      src = dst;
      dst = t;
    }
    if (src != idx) {
      System.arraycopy(src, 0, idx, 0, n);
    }
  }
}

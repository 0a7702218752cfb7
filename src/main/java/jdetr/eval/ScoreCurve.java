package jdetr.eval;

/**
 * True and false positives of one category as the score threshold falls: detections pooled over
 * images (at most maxDets[-1] per image), highest score first, matched at IoU 0.5 over all areas.
 *
 * <p>Matching is greedy in score order, so the matches of the detections above a threshold do not
 * depend on those below it: cutting this curve at a threshold equals evaluating only the
 * detections above it.
 */
final class ScoreCurve {
  static final ScoreCurve EMPTY = new ScoreCurve(new double[0], new int[0], new int[0], 0);

  private final double[] scores; // descending
  private final int[] cumTp;
  private final int[] cumFp;
  private final long numGt;

  ScoreCurve(double[] scores, int[] cumTp, int[] cumFp, long numGt) {
    this.scores = scores;
    this.cumTp = cumTp;
    this.cumFp = cumFp;
    this.numGt = numGt;
  }

  /** Objects that count (neither crowd nor otherwise ignored). */
  long numGt() {
    return numGt;
  }

  /** Detections with score >= threshold. */
  int countAtLeast(double threshold) {
    int lo = 0;
    int hi = scores.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (scores[mid] >= threshold) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** True positives among the detections with score >= threshold. */
  int truePositives(double threshold) {
    int n = countAtLeast(threshold);
    return n == 0 ? 0 : cumTp[n - 1];
  }

  /** False positives (unmatched, not on an ignored region) with score >= threshold. */
  int falsePositives(double threshold) {
    int n = countAtLeast(threshold);
    return n == 0 ? 0 : cumFp[n - 1];
  }
}

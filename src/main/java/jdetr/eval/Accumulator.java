package jdetr.eval;

import java.util.List;

/**
 * pycocotools' {@code accumulate} for one category: detections of all images pooled per (area
 * range, maxDets), sorted by score (stable, image order breaks ties), cumulative true/false
 * positives, precision made monotone from the right and read at the recall thresholds with a
 * left-sided search; -1 where the category has no object that is not ignored.
 */
final class Accumulator {
  /** numpy's {@code np.spacing(1)}. */
  static final double EPS = Math.ulp(1.0);

  private final CocoParams params;
  private final int numCategories;
  private final int monitorArea;
  private final int monitorIou;

  Accumulator(CocoParams params, int numCategories) {
    this.params = params;
    this.numCategories = numCategories;
    this.monitorArea = params.areaIndex("all");
    this.monitorIou = params.iouIndex(0.5);
  }

  /**
   * Fills category k of {@code precision} [T, R, K, A, M] and {@code recall} [T, K, A, M] (both
   * pre-filled with -1) from the category's per-image results in image order.
   *
   * @return the score-threshold curve of the category (area "all", maxDets[-1], IoU 0.5), or null
   *     when the parameters have no such setting
   */
  ScoreCurve accumulate(int k, List<ImageResult> entries, double[] precision, double[] recall) {
    final int numIou = params.numIou();
    final int numRec = params.numRecall();
    final int numAreas = params.numAreas();
    final int numM = params.numMaxDets();
    final int numK = numCategories;
    ScoreCurve curve = null;
    if (entries.isEmpty()) {
      return monitorArea >= 0 && monitorIou >= 0 ? ScoreCurve.EMPTY : null;
    }
    for (int m = 0; m < numM; m++) {
      int maxDet = params.maxDet(m);
      int total = 0;
      for (ImageResult e : entries) {
        total += Math.min(maxDet, e.numDets);
      }
      // pooled detections: scores and where each came from, in image order
      double[] pooled = new double[total];
      int[] fromEntry = new int[total];
      int[] fromDet = new int[total];
      int p = 0;
      for (int i = 0; i < entries.size(); i++) {
        ImageResult e = entries.get(i);
        int n = Math.min(maxDet, e.numDets);
        for (int d = 0; d < n; d++) {
          pooled[p] = e.scores[d];
          fromEntry[p] = i;
          fromDet[p] = d;
          p++;
        }
      }
      int[] order = ScoreOrder.descending(pooled, total);
      // flags of the pooled detections in score order: [total, A, T]
      final int stride = numAreas * numIou;
      byte[] flags = new byte[total * stride];
      for (int i = 0; i < total; i++) {
        int q = order[i];
        System.arraycopy(entries.get(fromEntry[q]).flags, fromDet[q] * stride, flags, i * stride, stride);
      }
      double[] rc = new double[total];
      double[] pr = new double[total];
      for (int a = 0; a < numAreas; a++) {
        long npig = 0;
        for (ImageResult e : entries) {
          npig += e.numNotIgnored[a];
        }
        boolean monitor = m == numM - 1 && a == monitorArea;
        for (int t = 0; t < numIou; t++) {
          if (npig == 0 && !(monitor && t == monitorIou)) {
            continue;
          }
          int tp = 0;
          int fp = 0;
          int[] cumTp = monitor && t == monitorIou ? new int[total] : null;
          int[] cumFp = cumTp == null ? null : new int[total];
          for (int i = 0; i < total; i++) {
            byte f = flags[i * stride + a * numIou + t];
            if ((f & ImageResult.IGNORED) == 0) {
              if ((f & ImageResult.MATCHED) != 0) {
                tp++;
              } else {
                fp++;
              }
            }
            rc[i] = tp / (double) npig;
            pr[i] = tp / ((double) fp + (double) tp + EPS);
            if (cumTp != null) {
              cumTp[i] = tp;
              cumFp[i] = fp;
            }
          }
          if (cumTp != null) {
            double[] sorted = new double[total];
            for (int i = 0; i < total; i++) {
              sorted[i] = pooled[order[i]];
            }
            curve = new ScoreCurve(sorted, cumTp, cumFp, npig);
          }
          if (npig == 0) {
            continue;
          }
          recall[((t * numK + k) * numAreas + a) * numM + m] = total > 0 ? rc[total - 1] : 0;
          for (int i = total - 1; i > 0; i--) {
            if (pr[i] > pr[i - 1]) {
              pr[i - 1] = pr[i];
            }
          }
          // q[r] = pr[first i with rc[i] >= recThrs[r]], 0 past the end
          int i = 0;
          for (int r = 0; r < numRec; r++) {
            double thr = params.recallThreshold(r);
            while (i < total && rc[i] < thr) {
              i++;
            }
            precision[(((t * numRec + r) * numK + k) * numAreas + a) * numM + m] =
                i < total ? pr[i] : 0;
          }
        }
      }
    }
    return curve;
  }
}

package jdetr.eval;

import java.util.Arrays;
import jdetr.mask.MaskIou;
import jdetr.mask.Rle;

/**
 * pycocotools' {@code computeIoU} + {@code evaluateImg} for boxes or masks: one (image, category)
 * pair, every area range and IoU threshold, with the greedy matching loop of the reference.
 */
final class ImageEvaluator {
  private final CocoParams params;
  private final EvalIndex ix;

  ImageEvaluator(CocoParams params, EvalIndex ix) {
    this.params = params;
    this.ix = ix;
  }

  /**
   * @param gtIdx ground-truth indices; those of the pair are {@code gtIdx[gFrom..gTo)}, input order
   * @param dtIdx detection indices; those of the pair are {@code dtIdx[dFrom..dTo)}, input order
   */
  ImageResult evaluate(int[] gtIdx, int gFrom, int gTo, int[] dtIdx, int dFrom, int dTo) {
    final int numGt = gTo - gFrom;
    final int numDt = dTo - dFrom;
    int[] gts = Arrays.copyOfRange(gtIdx, gFrom, gTo);
    int[] dts = Arrays.copyOfRange(dtIdx, dFrom, dTo);
    final int numAreas = params.numAreas();
    final int numIou = params.numIou();
    // detections: highest score first (stable), then the first maxDets[-1]
    double[] raw = new double[numDt];
    for (int j = 0; j < numDt; j++) {
      raw[j] = ix.dScore[dts[j]];
    }
    int[] order = ScoreOrder.descending(raw, numDt);
    int nd = Math.min(numDt, params.maxDetLast());
    int[] det = new int[nd];
    double[] scores = new double[nd];
    for (int j = 0; j < nd; j++) {
      det[j] = dts[order[j]];
      scores[j] = ix.dScore[det[j]];
    }
    int ng = numGt;
    double[] ious = iouMatrix(det, nd, gts, ng); // [nd, ng], ground truth in input order

    byte[] flags = new byte[numAreas * numIou * nd];
    int[] numNotIgnored = new int[numAreas];
    final int stride = numAreas * numIou;
    if (ng == 0) {
      // nothing to match: a detection is ignored exactly when its area is outside the range
      for (int d = 0; d < nd; d++) {
        double area = ix.dArea[det[d]];
        for (int a = 0; a < numAreas; a++) {
          if (area < params.areaLo(a) || area > params.areaHi(a)) {
            Arrays.fill(flags, d * stride + a * numIou, d * stride + (a + 1) * numIou,
                ImageResult.IGNORED);
          }
        }
      }
      return new ImageResult(nd, scores, flags, numNotIgnored);
    }
    int[] gtind = new int[ng];
    boolean[] gIg = new boolean[ng]; // in gtind order
    boolean[] gCrowd = new boolean[ng];
    boolean[] gIdZero = new boolean[ng];
    boolean[] gMatched = new boolean[ng];
    for (int a = 0; a < numAreas; a++) {
      double lo = params.areaLo(a);
      double hi = params.areaHi(a);
      // ground truth: ignored last, otherwise input order (stable argsort of the 0/1 flag)
      int p = 0;
      for (int pass = 0; pass < 2; pass++) {
        for (int g = 0; g < ng; g++) {
          int gi = gts[g];
          boolean ignored = ix.gIgnore[gi] || ix.gArea[gi] < lo || ix.gArea[gi] > hi;
          if (ignored == (pass == 1)) {
            gtind[p] = g;
            gIg[p] = ignored;
            gCrowd[p] = ix.gCrowd[gi];
            gIdZero[p] = ix.gId[gi] == 0;
            p++;
          }
        }
      }
      int notIgnored = 0;
      for (int q = 0; q < ng; q++) {
        if (!gIg[q]) {
          notIgnored++;
        }
      }
      numNotIgnored[a] = notIgnored;
      for (int t = 0; t < numIou; t++) {
        Arrays.fill(gMatched, false);
        double threshold = Math.min(params.iouThreshold(t), 1 - 1e-10);
        int base = a * numIou + t;
        for (int d = 0; d < nd; d++) {
          double best = threshold;
          int m = -1;
          int row = d * ng;
          for (int q = 0; q < ng; q++) {
            // an object already matched is taken only if it is a crowd
            if (gMatched[q] && !gCrowd[q]) {
              continue;
            }
            // matched a regular object and reached the ignored ones: stop
            if (m > -1 && !gIg[m] && gIg[q]) {
              break;
            }
            double iou = ious[row + gtind[q]];
            if (iou < best) {
              continue;
            }
            best = iou;
            m = q;
          }
          boolean matched = false; // dtMatches != 0 (the matched object's id is not 0)
          boolean ignored = false;
          if (m != -1) {
            ignored = gIg[m];
            matched = !gIdZero[m];
            gMatched[m] = true;
          }
          if (!matched) {
            double area = ix.dArea[det[d]];
            if (area < lo || area > hi) {
              ignored = true;
            }
          }
          flags[d * stride + base] = (byte) ((matched ? ImageResult.MATCHED : 0)
              | (ignored ? ImageResult.IGNORED : 0));
        }
      }
    }
    return new ImageResult(nd, scores, flags, numNotIgnored);
  }

  /** [nd, ng] IoU of each detection with each ground-truth object (maskApi's bbIou or rleIou). */
  private double[] iouMatrix(int[] det, int nd, int[] gts, int ng) {
    if (ix.gMask != null) {
      Rle[] d = new Rle[nd];
      Rle[] g = new Rle[ng];
      boolean[] crowd = new boolean[ng];
      for (int j = 0; j < nd; j++) {
        d[j] = ix.dMask[det[j]];
      }
      for (int j = 0; j < ng; j++) {
        g[j] = ix.gMask[gts[j]];
        crowd[j] = ix.gCrowd[gts[j]];
      }
      return MaskIou.iou(d, g, crowd);
    }
    double[] out = new double[nd * ng];
    for (int g = 0; g < ng; g++) {
      int gi = gts[g];
      double gx = ix.gx[gi];
      double gy = ix.gy[gi];
      double gw = ix.gw[gi];
      double gh = ix.gh[gi];
      double ga = gw * gh;
      boolean crowd = ix.gCrowd[gi];
      for (int d = 0; d < nd; d++) {
        int di = det[d];
        double dxv = ix.dx[di];
        double dyv = ix.dy[di];
        double dwv = ix.dw[di];
        double dhv = ix.dh[di];
        double da = dwv * dhv;
        double w = Math.min(dwv + dxv, gw + gx) - Math.max(dxv, gx);
        if (w <= 0) {
          continue;
        }
        double h = Math.min(dhv + dyv, gh + gy) - Math.max(dyv, gy);
        if (h <= 0) {
          continue;
        }
        double inter = w * h;
        double union = crowd ? da : da + ga - inter;
        out[d * ng + g] = inter / union;
      }
    }
    return out;
  }
}

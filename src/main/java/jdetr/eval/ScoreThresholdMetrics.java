package jdetr.eval;

import java.util.List;

/**
 * Precision and recall of the detections at or above a score threshold, matched at IoU 0.5 as COCO
 * evaluation matches them (area "all", at most maxDets[-1] per image and category, crowd regions
 * ignored): the quick monitor of a training run.
 *
 * @param scoreThreshold detections with score >= this count
 * @param truePositives detections matched to an object
 * @param falsePositives detections matched to nothing (detections on crowd regions count as neither)
 * @param numGt objects that count
 * @param precision TP / (TP + FP), 0 when there is no detection
 * @param recall TP / numGt, -1 when there is no object
 * @param perClass the same per category, in category id order
 */
public record ScoreThresholdMetrics(double scoreThreshold, long truePositives, long falsePositives,
    long numGt, double precision, double recall, List<PerClass> perClass) {

  /** One category's share. */
  public record PerClass(long categoryId, String name, long truePositives, long falsePositives,
      long numGt, double precision, double recall) {}

  static double precision(long tp, long fp) {
    return tp + fp == 0 ? 0 : tp / (double) (tp + fp);
  }

  static double recall(long tp, long numGt) {
    return numGt == 0 ? -1 : tp / (double) numGt;
  }
}

package jdetr.eval;

import java.util.Arrays;
import java.util.List;

/**
 * Evaluation parameters of COCO bounding-box evaluation (pycocotools {@code Params} for "bbox").
 *
 * <p>The thresholds are built the way numpy's {@code linspace} builds them ({@code i * step +
 * start}, last point set to {@code stop}), so that the IoU thresholds are bit-identical to the
 * reference: the ninth one is 0.8999999999999999, not 0.9.
 */
public final class CocoParams {
  private final double[] iouThresholds;
  private final double[] recallThresholds;
  private final int[] maxDets;
  private final double[][] areaRanges;
  private final List<String> areaLabels;

  /**
   * @param iouThresholds IoU thresholds, ascending
   * @param recallThresholds recall thresholds, ascending
   * @param maxDets detections kept per image, ascending (sorted here as the reference does)
   * @param areaRanges [lo, hi] area ranges, inclusive at both ends
   * @param areaLabels a label per area range ("all", "small", ...)
   */
  public CocoParams(double[] iouThresholds, double[] recallThresholds, int[] maxDets,
      double[][] areaRanges, List<String> areaLabels) {
    if (areaRanges.length != areaLabels.size()) {
      throw new IllegalArgumentException("areaRanges and areaLabels differ in length: "
          + areaRanges.length + " vs " + areaLabels.size());
    }
    if (iouThresholds.length == 0 || recallThresholds.length == 0 || maxDets.length == 0) {
      throw new IllegalArgumentException("IoU thresholds, recall thresholds and maxDets must not be empty");
    }
    this.iouThresholds = iouThresholds.clone();
    this.recallThresholds = recallThresholds.clone();
    this.maxDets = maxDets.clone();
    Arrays.sort(this.maxDets);
    this.areaRanges = new double[areaRanges.length][];
    for (int a = 0; a < areaRanges.length; a++) {
      if (areaRanges[a].length != 2) {
        throw new IllegalArgumentException("area range " + a + " must be [lo, hi]");
      }
      this.areaRanges[a] = areaRanges[a].clone();
    }
    this.areaLabels = List.copyOf(areaLabels);
  }

  /** The reference defaults for boxes: IoU .50:.05:.95, recall 0:.01:1, maxDets 1/10/100, 4 areas. */
  public static CocoParams bbox() {
    return new CocoParams(
        linspace(0.5, 0.95, (int) Math.round((0.95 - 0.5) / 0.05) + 1),
        linspace(0.0, 1.00, (int) Math.round((1.00 - 0.0) / 0.01) + 1),
        new int[] {1, 10, 100},
        new double[][] {{0, 1e5 * 1e5}, {0, 32 * 32}, {32 * 32, 96 * 96}, {96 * 96, 1e5 * 1e5}},
        List.of("all", "small", "medium", "large"));
  }

  /** numpy.linspace(start, stop, num, endpoint=True) for num >= 2, to the last bit. */
  static double[] linspace(double start, double stop, int num) {
    double step = (stop - start) / (num - 1);
    double[] y = new double[num];
    for (int i = 0; i < num; i++) {
      y[i] = i * step + start;
    }
    y[num - 1] = stop;
    return y;
  }

  public int numIou() {
    return iouThresholds.length;
  }

  public double iouThreshold(int t) {
    return iouThresholds[t];
  }

  public int numRecall() {
    return recallThresholds.length;
  }

  public double recallThreshold(int r) {
    return recallThresholds[r];
  }

  public int numMaxDets() {
    return maxDets.length;
  }

  /** maxDets[m], ascending. */
  public int maxDet(int m) {
    return maxDets[m];
  }

  /** The largest maxDets value: detections beyond it (per image and category) are never looked at. */
  public int maxDetLast() {
    return maxDets[maxDets.length - 1];
  }

  public int numAreas() {
    return areaRanges.length;
  }

  public double areaLo(int a) {
    return areaRanges[a][0];
  }

  public double areaHi(int a) {
    return areaRanges[a][1];
  }

  public String areaLabel(int a) {
    return areaLabels.get(a);
  }

  /** Index of the IoU threshold exactly equal to {@code iou}, or -1 (exact comparison, as the reference). */
  public int iouIndex(double iou) {
    for (int t = 0; t < iouThresholds.length; t++) {
      if (iouThresholds[t] == iou) {
        return t;
      }
    }
    return -1;
  }

  /** Index of the area range with this label, or -1. */
  public int areaIndex(String label) {
    return areaLabels.indexOf(label);
  }

  /** Index of maxDets equal to {@code maxDet}, or -1. */
  public int maxDetIndex(int maxDet) {
    for (int m = 0; m < maxDets.length; m++) {
      if (maxDets[m] == maxDet) {
        return m;
      }
    }
    return -1;
  }
}

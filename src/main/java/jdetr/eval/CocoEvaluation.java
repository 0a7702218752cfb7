package jdetr.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * The accumulated evaluation (pycocotools' {@code eval} dictionary): precision [T, R, K, A, M] and
 * recall [T, K, A, M], -1 where undefined, plus per-category score curves for threshold metrics.
 */
public final class CocoEvaluation {
  private final CocoParams params;
  private final long[] categoryIds;
  private final String[] categoryNames;
  private final double[] precision;
  private final double[] recall;
  private final ScoreCurve[] curves;
  private final int numImages;
  private final int numResults;
  private double[] stats;

  CocoEvaluation(CocoParams params, long[] categoryIds, String[] categoryNames, double[] precision,
      double[] recall, ScoreCurve[] curves, int numImages, int numResults) {
    this.params = params;
    this.categoryIds = categoryIds;
    this.categoryNames = categoryNames;
    this.precision = precision;
    this.recall = recall;
    this.curves = curves;
    this.numImages = numImages;
    this.numResults = numResults;
  }

  public CocoParams params() {
    return params;
  }

  /** Evaluated categories, ascending ids. */
  public int numCategories() {
    return categoryIds.length;
  }

  public long categoryId(int k) {
    return categoryIds[k];
  }

  public String categoryName(int k) {
    return categoryNames[k];
  }

  /** Images evaluated. */
  public int numImages() {
    return numImages;
  }

  /** Detections that took part (on an evaluated image and category). */
  public int numResults() {
    return numResults;
  }

  /** precision[t, r, k, a, m]. */
  public double precision(int t, int r, int k, int a, int m) {
    int numK = categoryIds.length;
    return precision[(((t * params.numRecall() + r) * numK + k) * params.numAreas() + a)
        * params.numMaxDets() + m];
  }

  /** recall[t, k, a, m]. */
  public double recall(int t, int k, int a, int m) {
    return recall[((t * categoryIds.length + k) * params.numAreas() + a) * params.numMaxDets() + m];
  }

  /** The 12 summary numbers (AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl). */
  public synchronized double[] stats() {
    if (stats == null) {
      stats = CocoSummary.stats(this);
    }
    return stats.clone();
  }

  /** The 12 lines pycocotools' {@code summarize()} prints. */
  public List<String> summaryLines() {
    return CocoSummary.lines(this, stats());
  }

  /** AP@[.5:.95], AP50, AP75 and AR of each category, area "all", maxDets[-1]. */
  public List<ClassAp> perClass() {
    CocoParams p = params;
    int a = p.areaIndex("all");
    int m = p.numMaxDets() - 1;
    int t50 = p.iouIndex(0.5);
    int t75 = p.iouIndex(0.75);
    List<ClassAp> out = new ArrayList<>();
    for (int k = 0; k < categoryIds.length; k++) {
      out.add(new ClassAp(categoryIds[k], categoryNames[k],
          classMean(k, a, m, 0, p.numIou(), true), classMean(k, a, m, t50, t50 + 1, true),
          classMean(k, a, m, t75, t75 + 1, true), classMean(k, a, m, 0, p.numIou(), false),
          curves[k] == null ? 0 : curves[k].numGt()));
    }
    return out;
  }

  /** Mean of the entries > -1 over IoU thresholds [tFrom, tTo) and all recall thresholds. */
  private double classMean(int k, int a, int m, int tFrom, int tTo, boolean ap) {
    if (a < 0 || tFrom < 0) {
      return -1;
    }
    int numR = ap ? params.numRecall() : 1;
    double[] kept = new double[params.numIou() * numR];
    int n = 0;
    for (int t = tFrom; t < tTo; t++) {
      for (int r = 0; r < numR; r++) {
        double v = ap ? precision(t, r, k, a, m) : recall(t, k, a, m);
        if (v > -1) {
          kept[n++] = v;
        }
      }
    }
    return n == 0 ? -1 : NumpyMean.mean(kept, n);
  }

  /**
   * Precision and recall of the detections with score >= {@code scoreThreshold} at IoU 0.5, summed
   * over categories and per category.
   */
  public ScoreThresholdMetrics atScore(double scoreThreshold) {
    if (params.iouIndex(0.5) < 0 || params.areaIndex("all") < 0) {
      throw new IllegalStateException("score-threshold metrics need IoU 0.5 and the area range 'all'");
    }
    long tp = 0;
    long fp = 0;
    long gt = 0;
    List<ScoreThresholdMetrics.PerClass> per = new ArrayList<>();
    for (int k = 0; k < categoryIds.length; k++) {
      ScoreCurve c = curves[k];
      long ktp = c.truePositives(scoreThreshold);
      long kfp = c.falsePositives(scoreThreshold);
      tp += ktp;
      fp += kfp;
      gt += c.numGt();
      per.add(new ScoreThresholdMetrics.PerClass(categoryIds[k], categoryNames[k], ktp, kfp,
          c.numGt(), ScoreThresholdMetrics.precision(ktp, kfp),
          ScoreThresholdMetrics.recall(ktp, c.numGt())));
    }
    return new ScoreThresholdMetrics(scoreThreshold, tp, fp, gt,
        ScoreThresholdMetrics.precision(tp, fp), ScoreThresholdMetrics.recall(tp, gt), per);
  }
}

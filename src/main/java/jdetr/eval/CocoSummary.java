package jdetr.eval;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * pycocotools' {@code summarize} for boxes: the 12 numbers and their printed lines, same order,
 * same wording, same rounding (Python's correctly rounded, half-to-even {@code {:0.3f}}).
 */
public final class CocoSummary {
  /** Short names of the 12 numbers, in order. */
  public static final List<String> NAMES = List.of(
      "AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl");

  private CocoSummary() {}

  /** One of the 12 summary settings. */
  private record Setting(boolean ap, Double iouThr, String area, int maxDetIndex) {}

  private static List<Setting> settings() {
    return List.of(
        new Setting(true, null, "all", 2),
        new Setting(true, 0.5, "all", 2),
        new Setting(true, 0.75, "all", 2),
        new Setting(true, null, "small", 2),
        new Setting(true, null, "medium", 2),
        new Setting(true, null, "large", 2),
        new Setting(false, null, "all", 0),
        new Setting(false, null, "all", 1),
        new Setting(false, null, "all", 2),
        new Setting(false, null, "small", 2),
        new Setting(false, null, "medium", 2),
        new Setting(false, null, "large", 2));
  }

  /** The 12 numbers of {@code stats}. */
  public static double[] stats(CocoEvaluation e) {
    checkDefaultLayout(e.params());
    List<Setting> s = settings();
    double[] stats = new double[s.size()];
    for (int i = 0; i < stats.length; i++) {
      Setting x = s.get(i);
      stats[i] = summarize(e, x.ap(), x.iouThr(), x.area(), e.params().maxDet(x.maxDetIndex()));
    }
    return stats;
  }

  /** The 12 lines {@code summarize()} prints, given the numbers from {@link #stats}. */
  public static List<String> lines(CocoEvaluation e, double[] stats) {
    return lines(e.params(), stats);
  }

  /** The 12 lines {@code summarize()} prints for {@code stats} under the parameters {@code p}. */
  public static List<String> lines(CocoParams p, double[] stats) {
    List<Setting> s = settings();
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < s.size(); i++) {
      Setting x = s.get(i);
      String title = x.ap() ? "Average Precision" : "Average Recall";
      String type = x.ap() ? "(AP)" : "(AR)";
      String iou = x.iouThr() == null
          ? fixed(p.iouThreshold(0), 2) + ":" + fixed(p.iouThreshold(p.numIou() - 1), 2)
          : fixed(x.iouThr(), 2);
      lines.add(String.format(" %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3d ] = %s",
          title, type, iou, x.area(), p.maxDet(x.maxDetIndex()), fixed(stats[i], 3)));
    }
    return lines;
  }

  /**
   * Mean of the precision (or recall) entries > -1 of one setting, -1 if there is none.
   *
   * @param iouThr one IoU threshold (exact match against the thresholds), or null for all
   */
  public static double summarize(CocoEvaluation e, boolean ap, Double iouThr, String area,
      int maxDets) {
    CocoParams p = e.params();
    List<Integer> ts = new ArrayList<>();
    for (int t = 0; t < p.numIou(); t++) {
      if (iouThr == null || p.iouThreshold(t) == iouThr) {
        ts.add(t);
      }
    }
    int a = p.areaIndex(area);
    int m = p.maxDetIndex(maxDets);
    if (a < 0 || m < 0 || ts.isEmpty()) {
      return -1;
    }
    int numK = e.numCategories();
    int numR = ap ? p.numRecall() : 1;
    double[] kept = new double[ts.size() * numR * numK];
    int n = 0;
    // numpy's C order of the selection: t, r, k
    for (int t : ts) {
      for (int r = 0; r < numR; r++) {
        for (int k = 0; k < numK; k++) {
          double v = ap ? e.precision(t, r, k, a, m) : e.recall(t, k, a, m);
          if (v > -1) {
            kept[n++] = v;
          }
        }
      }
    }
    return n == 0 ? -1 : NumpyMean.mean(kept, n);
  }

  /** Python's {@code '{:0.Nf}'.format(v)}: the exact binary value rounded half to even. */
  static String fixed(double v, int digits) {
    return new BigDecimal(v).setScale(digits, RoundingMode.HALF_EVEN).toPlainString();
  }

  private static void checkDefaultLayout(CocoParams p) {
    if (p.numMaxDets() < 3) {
      throw new IllegalStateException("the 12-number summary needs three maxDets values, got "
          + p.numMaxDets());
    }
  }
}

package jdetr.eval.panoptic;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdetr.data.PanopticAnnotationFile.Category;

/** Per-category counts of a panoptic evaluation (panopticapi's {@code PQStat}). */
public final class PqStat {
  private final Map<Integer, PqStatCat> perCategory = new HashMap<>();

  /** The counts of {@code categoryId}, created empty on first use. */
  public PqStatCat get(int categoryId) {
    return perCategory.computeIfAbsent(categoryId, k -> new PqStatCat());
  }

  /** Adds {@code other}'s counts to these. */
  public void add(PqStat other) {
    other.perCategory.forEach((id, c) -> get(id).add(c));
  }

  /**
   * PQ, SQ and RQ averaged over the categories of {@code categories} (in their order) with
   * {@code isThing} (all of them when null), and per class into {@code perClass} when given —
   * panopticapi's {@code pq_average}.
   */
  public PqAverage average(List<Category> categories, Boolean isThing,
      Map<Integer, PqAverage> perClass) {
    double pq = 0, sq = 0, rq = 0;
    int n = 0;
    for (Category c : categories) {
      if (isThing != null && isThing != c.isThing()) {
        continue;
      }
      PqStatCat s = perCategory.getOrDefault(c.id(), new PqStatCat());
      if (s.tp + s.fp + s.fn == 0) {
        if (perClass != null) {
          perClass.put(c.id(), new PqAverage(0.0, 0.0, 0.0, 0));
        }
        continue;
      }
      n++;
      double denominator = s.tp + 0.5 * s.fp + 0.5 * s.fn;
      double pqClass = s.iou / denominator;
      double sqClass = s.tp != 0 ? s.iou / s.tp : 0;
      double rqClass = s.tp / denominator;
      if (perClass != null) {
        perClass.put(c.id(), new PqAverage(pqClass, sqClass, rqClass, 1));
      }
      pq += pqClass;
      sq += sqClass;
      rq += rqClass;
    }
    return new PqAverage(pq / n, sq / n, rq / n, n);
  }

  /** All, Things, Stuff and per class, as panopticapi's {@code pq_compute} returns them. */
  public PanopticResult result(List<Category> categories) {
    Map<Integer, PqAverage> perClass = new LinkedHashMap<>();
    PqAverage all = average(categories, null, perClass);
    return new PanopticResult(all, average(categories, true, null),
        average(categories, false, null), perClass);
  }
}

package jdetr.loss;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdetr.data.Target;

/**
 * The loss of the denoising queries ({@code jdetr.model.Denoising}): slot j of every group
 * reconstructs target j, so the matching is known and nothing is matched. The terms are the set
 * loss's (focal class loss over every denoising query, padding slots and contrastive negatives,
 * which sit past the positives in their group, learning "no object"; L1 and
 * GIoU of the reconstructed boxes), normalised by the step's target count times the group count,
 * weighted as the matching terms and named with {@code _dn} after the term
 * ({@code loss_ce_dn}, {@code loss_bbox_dn_0}, …).
 */
public final class DenoisingLoss {

  private static final String SUFFIX = "_dn";

  private final SetCriterion criterion;
  private final int groups;

  public DenoisingLoss(SetCriterion criterion, int groups) {
    if (groups < 1) {
      throw new IllegalArgumentException("denoising groups must be >= 1, got " + groups);
    }
    this.criterion = criterion;
    this.groups = groups;
  }

  /** The weight of every denoising term, for a model with {@code numLayers} decoder layers. */
  public Map<String, Double> weightDict(int numLayers) {
    Map<String, Double> out = new LinkedHashMap<>();
    criterion.weightDict(numLayers).forEach((k, v) -> out.put(named(k), v));
    return out;
  }

  /**
   * @param layers the denoising queries' predictions per decoder layer, [b, G * M, K] logits and
   *     [b, G * M, 4] boxes, the last decoder layer last
   * @param targets the images' targets
   * @param slots M, the slots per group
   * @param step normalisers of the whole step (its target count, not multiplied by the groups)
   * @param stepNumber named in errors
   */
  public SetLosses compute(List<LayerPrediction> layers, List<Target> targets, int slots,
      Normalisers step, long stepNumber) {
    List<Target> repeated = new ArrayList<>(targets.size());
    List<Matching> matchings = new ArrayList<>(targets.size());
    for (Target t : targets) {
      repeated.add(repeat(t));
      matchings.add(knownMatching(t.size(), slots));
    }
    Normalisers norm = new Normalisers(step.numBoxes() * groups, step.ceWeightSum());
    SetLosses losses = criterion.compute(layers, repeated, Collections.nCopies(layers.size(),
        matchings), norm, stepNumber);
    Map<String, NDArray> terms = new LinkedHashMap<>();
    losses.terms().forEach((k, v) -> terms.put(named(k), v));
    return new SetLosses(losses.total(), terms, Map.of());
  }

  /** Every box and label of {@code t} once per group. */
  Target repeat(Target t) {
    int n = t.size();
    int[] labels = new int[n * groups];
    float[] boxes = new float[4 * n * groups];
    for (int g = 0; g < groups; g++) {
      System.arraycopy(t.labels(), 0, labels, g * n, n);
      System.arraycopy(t.boxes(), 0, boxes, 4 * g * n, 4 * n);
    }
    return new Target(t.imageId(), labels, boxes, new float[n * groups],
        new boolean[n * groups], t.origHeight(), t.origWidth(), t.height(), t.width());
  }

  /** Slot j of group g (query g M + j) reconstructs target j (repeat g: g n + j). */
  Matching knownMatching(int n, int slots) {
    int[] queries = new int[n * groups];
    int[] targets = new int[n * groups];
    for (int g = 0; g < groups; g++) {
      for (int j = 0; j < n; j++) {
        queries[g * n + j] = g * slots + j;
        targets[g * n + j] = g * n + j;
      }
    }
    return new Matching(queries, targets);
  }

  /** {@code loss_ce} → {@code loss_ce_dn}, {@code loss_ce_0} → {@code loss_ce_dn_0}. */
  static String named(String term) {
    String[] parts = term.split("_");
    String base = parts[0] + "_" + parts[1];
    return base + SUFFIX + term.substring(base.length());
  }
}

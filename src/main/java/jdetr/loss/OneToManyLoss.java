package jdetr.loss;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdetr.autograd.GraphSafe;
import jdetr.data.Target;

/**
 * The loss of the one-to-many queries of hybrid matching ({@code jdetr.model.OneToMany}): the
 * set loss of those queries, Hungarian-matched against every image's targets repeated K times
 * ({@link #repeated}), so that each target trains up to K queries. Every decoder layer is
 * supervised (the auxiliary ones too, as the one-to-one terms), normalised by the step's repeated
 * target count, each term named with {@code _one2many} after the term ({@code loss_ce_one2many},
 * {@code loss_bbox_one2many_0}, …) and weighted as its one-to-one term times the branch weight.
 */
public final class OneToManyLoss {

  private static final String SUFFIX = "_one2many";

  private final SetCriterion criterion;
  private final int queries;
  private final int k;
  private final double weight;

  /**
   * @param queries N, the one-to-many queries
   * @param k K, how many times the targets are repeated
   * @param weight the factor on every term
   */
  public OneToManyLoss(SetCriterion criterion, int queries, int k, double weight) {
    if (queries < 1 || k < 1 || !(weight >= 0)) {
      throw new IllegalArgumentException("one-to-many loss: queries and k must be >= 1 and the"
          + " weight >= 0, got " + queries + ", " + k + ", " + weight);
    }
    this.criterion = criterion;
    this.queries = queries;
    this.k = k;
    this.weight = weight;
  }

  /** The weight of every one-to-many term, for a model with {@code numLayers} decoder layers. */
  public Map<String, Double> weightDict(int numLayers) {
    Map<String, Double> out = new LinkedHashMap<>();
    criterion.weightDict(numLayers).forEach((name, w) -> out.put(named(name), w * weight));
    return out;
  }

  /**
   * Every image's targets repeated K times (copy after copy), or as many times as the N queries
   * hold them all ({@code min(K, N / T)}), so that the Hungarian matching can match every copy.
   */
  public List<Target> repeated(List<Target> targets) {
    List<Target> out = new ArrayList<>(targets.size());
    for (Target t : targets) {
      int n = t.size();
      int times = n == 0 ? 0 : Math.min(k, queries / n);
      int[] labels = new int[n * times];
      float[] boxes = new float[4 * n * times];
      for (int r = 0; r < times; r++) {
        System.arraycopy(t.labels(), 0, labels, r * n, n);
        System.arraycopy(t.boxes(), 0, boxes, 4 * r * n, 4 * n);
      }
      out.add(new Target(t.imageId(), labels, boxes, new float[n * times],
          new boolean[n * times], t.origHeight(), t.origWidth(), t.height(), t.width()));
    }
    return out;
  }

  /** The normalisers of a step: its {@link #repeated} targets over the N queries. */
  public Normalisers normalisers(List<Target> stepTargets) {
    return Normalisers.of(repeated(stepTargets), queries, criterion.config().eosCoef());
  }

  /**
   * @param layers the one-to-many queries' predictions per decoder layer, [b, N, K] logits and
   *     [b, N, 4] boxes, the last decoder layer last
   * @param repeated the images' {@link #repeated} targets
   * @param matchings per layer, per image, against {@code repeated}
   * @param step the step's {@link #normalisers}
   */
  public SetLosses compute(List<LayerPrediction> layers, List<Target> repeated,
      List<List<Matching>> matchings, Normalisers step, long stepNumber) {
    SetLosses losses = criterion.compute(layers, repeated, matchings, step, stepNumber);
    Map<String, NDArray> terms = new LinkedHashMap<>();
    losses.terms().forEach((name, v) -> terms.put(named(name), v));
    return new SetLosses(GraphSafe.mul(losses.total(), (float) weight), terms, Map.of());
  }

  /** {@code loss_ce} → {@code loss_ce_one2many}, {@code loss_ce_0} → {@code loss_ce_one2many_0}. */
  static String named(String term) {
    String[] parts = term.split("_");
    String base = parts[0] + "_" + parts[1];
    return base + SUFFIX + term.substring(base.length());
  }
}

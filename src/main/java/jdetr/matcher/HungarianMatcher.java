package jdetr.matcher;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import jdetr.box.FloatBoxOps;
import jdetr.loss.ClassLoss;
import jdetr.loss.Matching;

/**
 * DETR's Hungarian matcher for one image and one decoder layer at a time: builds the {@code [Q, T]}
 * cost
 *
 * <pre>
 *   C = costBbox * L1(cxcywh) + costClass * classCost + costGiou * (-GIoU(xyxy))
 * </pre>
 *
 * and assigns each target its own query with {@link LinearAssignment}. The class cost is
 * {@code -softmax(logits)[target]} ({@link ClassLoss#SOFTMAX_CE}) or Deformable DETR's focal cost
 * {@code a (1-p)^g (-log(p + 1e-8)) - (1-a) p^g (-log(1-p + 1e-8))}, {@code p = sigmoid(logit)},
 * with a and g from {@link ClassLoss} ({@link ClassLoss#SIGMOID_FOCAL}). Every term is computed in
 * float32 in the reference's order, so the cost equals the reference's up to float rounding of exp
 * and log.
 *
 * <p>An image without targets gets an empty matching; more targets than queries is an error.
 * Instances are immutable and thread-safe (each thread gets its own reusable workspace).
 */
public final class HungarianMatcher {

  /** The epsilon inside the logarithms of Deformable DETR's focal matching cost. */
  private static final float FOCAL_LOG_EPS = 1e-8f;

  private final MatcherConfig config;
  private final ThreadLocal<Workspace> workspace = ThreadLocal.withInitial(Workspace::new);

  public HungarianMatcher(MatcherConfig config) {
    this.config = config;
  }

  public MatcherConfig config() {
    return config;
  }

  /** Matches one unit: query/target pairs, queries ascending, one pair per target. */
  public Matching match(MatchInput unit) {
    int queries = unit.numQueries();
    int targets = unit.numTargets();
    if (targets == 0) {
      return Matching.empty();
    }
    Workspace w = workspace.get();
    float[] cost = w.costBuffer(queries * targets);
    computeCost(unit, cost, w);
    Assignment a = w.solver.solveLeading(cost, queries, targets);
    return new Matching(a.rows(), a.cols());
  }

  /** The {@code [Q, T]} row-major cost matrix of one unit (what {@link #match} solves). */
  public float[] cost(MatchInput unit) {
    float[] cost = new float[unit.numQueries() * unit.numTargets()];
    if (cost.length > 0) {
      computeCost(unit, cost, workspace.get());
    }
    return cost;
  }

  /** Matches every unit in order on the calling thread. */
  public List<Matching> matchAll(List<MatchInput> units) {
    List<Matching> out = new ArrayList<>(units.size());
    for (int k = 0; k < units.size(); k++) {
      out.add(matchUnit(units, k));
    }
    return out;
  }

  /**
   * Matches every unit on {@code executor} (one task per unit) and returns the matchings in the
   * order of {@code units}; the result does not depend on the executor. A failing unit fails the
   * call with the error of the first failing unit, named by its index.
   */
  public List<Matching> matchAll(List<MatchInput> units, Executor executor) {
    List<CompletableFuture<Matching>> futures = new ArrayList<>(units.size());
    for (int k = 0; k < units.size(); k++) {
      int unit = k;
      futures.add(CompletableFuture.supplyAsync(() -> matchUnit(units, unit), executor));
    }
    List<Matching> out = new ArrayList<>(units.size());
    for (CompletableFuture<Matching> f : futures) {
      try {
        out.add(f.join());
      } catch (CompletionException e) {
        if (e.getCause() instanceof RuntimeException cause) {
          throw cause;
        }
        throw e;
      }
    }
    return out;
  }

  /**
   * Regroups the matchings of layer-major units (see {@link MatchInput#ofLayers}) into one list per
   * decoder layer, each holding one matching per image: the shape the criterion takes.
   */
  public static List<List<Matching>> byLayer(List<Matching> matchings, int batch) {
    if (batch <= 0 || matchings.size() % batch != 0) {
      throw new IllegalArgumentException(
          matchings.size() + " matchings do not split into layers of " + batch + " images");
    }
    List<List<Matching>> out = new ArrayList<>();
    for (int from = 0; from < matchings.size(); from += batch) {
      out.add(List.copyOf(matchings.subList(from, from + batch)));
    }
    return out;
  }

  private Matching matchUnit(List<MatchInput> units, int k) {
    try {
      return match(units.get(k));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("matching unit " + k + ": " + e.getMessage(), e);
    }
  }

  private void computeCost(MatchInput unit, float[] cost, Workspace w) {
    int queries = unit.numQueries();
    int classes = unit.numClasses();
    int targets = unit.numTargets();
    if (targets > queries) {
      throw new IllegalArgumentException("image has " + targets + " targets but only " + queries
          + " queries: every target needs a query of its own");
    }
    float[] logits = unit.logits();
    float[] boxes = unit.boxes();
    float[] tgt = unit.targetBoxes();
    // Distinct target classes: the class cost is computed once per (query, class).
    int[] slotOfClass = w.slotOfClass(classes);
    int[] classOfSlot = w.classOfSlot(targets);
    int[] slot = w.slot(targets);
    int distinct = 0;
    for (int t = 0; t < targets; t++) {
      int label = unit.labels()[t];
      if (slotOfClass[label] < 0) {
        slotOfClass[label] = distinct;
        classOfSlot[distinct++] = label;
      }
      slot[t] = slotOfClass[label];
    }
    for (int s = 0; s < distinct; s++) {
      slotOfClass[classOfSlot[s]] = -1;
    }
    float[] tgtXyxy = w.targetXyxy(targets); // [T, 4]
    for (int t = 0; t < targets; t++) {
      int k = 4 * t;
      tgtXyxy[k] = tgt[k] - 0.5f * tgt[k + 2];
      tgtXyxy[k + 1] = tgt[k + 1] - 0.5f * tgt[k + 3];
      tgtXyxy[k + 2] = tgt[k] + 0.5f * tgt[k + 2];
      tgtXyxy[k + 3] = tgt[k + 1] + 0.5f * tgt[k + 3];
    }
    float wClass = (float) config.costClass();
    float wBbox = (float) config.costBbox();
    float wGiou = (float) config.costGiou();
    boolean focal = config.classLoss() == ClassLoss.SIGMOID_FOCAL;
    float[] classCost = w.classCost(distinct);
    double[] exps = w.exps(classes);
    for (int q = 0; q < queries; q++) {
      if (focal) {
        focalCost(logits, q * classes, classOfSlot, distinct, classCost);
      } else {
        softmaxCost(logits, q * classes, classes, classOfSlot, distinct, classCost, exps);
      }
      int p = 4 * q;
      float cx = boxes[p];
      float cy = boxes[p + 1];
      float bw = boxes[p + 2];
      float bh = boxes[p + 3];
      float x0 = cx - 0.5f * bw;
      float y0 = cy - 0.5f * bh;
      float x1 = cx + 0.5f * bw;
      float y1 = cy + 0.5f * bh;
      int row = q * targets;
      for (int t = 0; t < targets; t++) {
        int k = 4 * t;
        float l1 = Math.abs(cx - tgt[k]) + Math.abs(cy - tgt[k + 1]) + Math.abs(bw - tgt[k + 2])
            + Math.abs(bh - tgt[k + 3]);
        float giou = FloatBoxOps.generalizedIou(x0, y0, x1, y1,
            tgtXyxy[k], tgtXyxy[k + 1], tgtXyxy[k + 2], tgtXyxy[k + 3]);
        cost[row + t] = wBbox * l1 + wClass * classCost[slot[t]] + wGiou * -giou;
      }
    }
  }

  /** {@code out[s] = -softmax(logits[from, from + classes))[classOfSlot[s]]}. */
  private static void softmaxCost(float[] logits, int from, int classes, int[] classOfSlot,
      int distinct, float[] out, double[] exps) {
    float max = Float.NEGATIVE_INFINITY;
    for (int c = 0; c < classes; c++) {
      max = Math.max(max, logits[from + c]);
    }
    double sum = 0;
    for (int c = 0; c < classes; c++) {
      double e = Math.exp(logits[from + c] - max); // [K] exponentials, shifted by the row max
      exps[c] = e;
      sum += e;
    }
    for (int s = 0; s < distinct; s++) {
      out[s] = -(float) (exps[classOfSlot[s]] / sum);
    }
  }

  /** Deformable DETR's focal matching cost at the classes {@code classOfSlot[0..distinct)}. */
  private static void focalCost(float[] logits, int from, int[] classOfSlot, int distinct,
      float[] out) {
    float alpha = (float) ClassLoss.FOCAL_ALPHA;
    float gamma = (float) ClassLoss.FOCAL_GAMMA;
    for (int s = 0; s < distinct; s++) {
      float x = logits[from + classOfSlot[s]];
      // Rounded to float step by step as libtorch's CPU sigmoid does: near p = 1 the focal cost
      // depends on 1 - p, which keeps the rounding of p.
      float p = 1f / (1f + (float) Math.exp(-x));
      float q = 1f - p;
      float neg = (1f - alpha) * pow(p, gamma) * -(float) Math.log(q + FOCAL_LOG_EPS);
      float pos = alpha * pow(q, gamma) * -(float) Math.log(p + FOCAL_LOG_EPS);
      out[s] = pos - neg;
    }
  }

  private static float pow(float x, float gamma) {
    return gamma == 2f ? x * x : (float) Math.pow(x, gamma);
  }

  /** Per-thread buffers, grown to the largest unit seen. */
  private static final class Workspace {
    final LinearAssignment solver = new LinearAssignment();
    private float[] cost = new float[0];
    private float[] targetXyxy = new float[0];
    private float[] classCost = new float[0];
    private double[] exps = new double[0];
    private int[] slotOfClass = new int[0];
    private int[] classOfSlot = new int[0];
    private int[] slot = new int[0];

    float[] costBuffer(int size) {
      return cost.length >= size ? cost : (cost = new float[size]);
    }

    float[] targetXyxy(int targets) {
      return targetXyxy.length >= 4 * targets ? targetXyxy
          : (targetXyxy = new float[4 * targets]);
    }

    float[] classCost(int distinct) {
      return classCost.length >= distinct ? classCost : (classCost = new float[distinct]);
    }

    double[] exps(int classes) {
      return exps.length >= classes ? exps : (exps = new double[classes]);
    }

    /** All -1 between uses. */
    int[] slotOfClass(int classes) {
      if (slotOfClass.length < classes) {
        slotOfClass = new int[classes];
        Arrays.fill(slotOfClass, -1);
      }
      return slotOfClass;
    }

    int[] classOfSlot(int targets) {
      return classOfSlot.length >= targets ? classOfSlot : (classOfSlot = new int[targets]);
    }

    int[] slot(int targets) {
      return slot.length >= targets ? slot : (slot = new int[targets]);
    }
  }
}

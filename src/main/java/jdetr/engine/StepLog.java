package jdetr.engine;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdetr.data.Target;
import jdetr.loss.SetLosses;

/**
 * What one training step logs, under the keys of the reference's {@code train_one_epoch}:
 * {@code loss} (the weighted total), every weighted term ({@code loss_ce}, {@code loss_bbox},
 * {@code loss_giou}, {@code loss_ce_0} …), every raw term and logged error with the suffix
 * {@code _unscaled} ({@code loss_ce_unscaled}, {@code class_error_unscaled},
 * {@code cardinality_error_unscaled} …), {@code class_error}, {@code cardinality_error} and
 * {@code lr} (of the first parameter group).
 *
 * @param step global step number
 * @param images images in the step
 * @param values logged values by key, in the order above
 * @param gradNorm global gradient norm before clipping (NaN when clipping is off)
 * @param times where the step's wall time went ({@link StageTimes#NONE} when not measured)
 * @param cpuTimes the process CPU time of each stage ({@link StageTimes#NONE} when not measured)
 */
public record StepLog(long step, int images, Map<String, Double> values, float gradNorm,
    StageTimes times, StageTimes cpuTimes) {

  public StepLog {
    values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  public StepLog(long step, int images, Map<String, Double> values, float gradNorm) {
    this(step, images, values, gradNorm, StageTimes.NONE, StageTimes.NONE);
  }

  /** The weighted total loss. */
  public double loss() {
    return values.get("loss");
  }

  /**
   * Adds up the micro-batch losses of a step. Loss terms are already divided by the whole step's
   * normalisers, so they add; the class error is averaged over matched targets and the cardinality
   * error over images, as one full-batch evaluation would.
   */
  static final class Tally {
    private final Map<String, Double> weights;
    private final Map<String, Double> terms = new LinkedHashMap<>();
    private final Map<String, Double> cardinality = new LinkedHashMap<>();
    private double classCorrectPercentTimesTargets;
    private long targets;
    private int images;

    Tally(Map<String, Double> weights) {
      this.weights = weights;
    }

    void add(SetLosses losses, List<Target> batchTargets) {
      int n = batchTargets.size();
      long t = batchTargets.stream().mapToLong(Target::size).sum();
      losses.terms().forEach((k, v) -> terms.merge(k, (double) v.getFloat(), Double::sum));
      losses.logged().forEach((k, v) -> {
        if (k.startsWith("cardinality_error")) {
          cardinality.merge(k, (double) v * n, Double::sum);
        } else if (k.equals("class_error")) {
          classCorrectPercentTimesTargets += (100.0 - v) * t;
        }
      });
      targets += t;
      images += n;
    }

    /** Adds another micro-batch's tally (in micro-batch order, the sums equal {@link #add}'s). */
    void addAll(Tally other) {
      other.terms.forEach((k, v) -> terms.merge(k, v, Double::sum));
      other.cardinality.forEach((k, v) -> cardinality.merge(k, v, Double::sum));
      classCorrectPercentTimesTargets += other.classCorrectPercentTimesTargets;
      targets += other.targets;
      images += other.images;
    }

    double total() {
      double sum = 0;
      for (Map.Entry<String, Double> e : terms.entrySet()) {
        sum += e.getValue() * weights.get(e.getKey());
      }
      return sum;
    }

    private double classError() {
      return targets == 0 ? 100.0 : 100.0 - classCorrectPercentTimesTargets / targets;
    }

    Map<String, Float> floatValues() {
      Map<String, Float> out = new LinkedHashMap<>();
      terms.forEach((k, v) -> out.put(k, v.floatValue()));
      out.put("class_error", (float) classError());
      cardinality.forEach((k, v) -> out.put(k, (float) (v / Math.max(1, images))));
      return out;
    }

    StepLog log(long step, int batchImages, double lr, float gradNorm, StageTimes times,
        StageTimes cpuTimes) {
      Map<String, Double> out = new LinkedHashMap<>();
      out.put("loss", total());
      terms.forEach((k, v) -> out.put(k, v * weights.get(k)));
      terms.forEach((k, v) -> out.put(k + "_unscaled", v));
      out.put("class_error_unscaled", classError());
      cardinality.forEach((k, v) -> out.put(k + "_unscaled", v / Math.max(1, images)));
      out.put("class_error", classError());
      out.put("cardinality_error", cardinality.getOrDefault("cardinality_error", 0.0) / Math.max(1, images));
      out.put("lr", lr);
      return new StepLog(step, batchImages, out, gradNorm, times, cpuTimes);
    }
  }
}

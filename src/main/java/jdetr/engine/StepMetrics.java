package jdetr.engine;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the trainer reports after each optimisation step (the pipeline publishes it on
 * {@code jdetr.train.metrics}).
 *
 * @param step global step number (0-based) of the step just taken
 * @param epoch its epoch
 * @param epochStep steps of the epoch done, this one included (1-based)
 * @param stepsInEpoch steps the epoch has
 * @param seconds wall time of the step on the trainer
 * @param values the step's logged values under the reference's keys ({@code loss},
 *     {@code loss_ce}, … {@code lr})
 */
public record StepMetrics(long step, int epoch, int epochStep, int stepsInEpoch, double seconds,
    Map<String, Double> values) {

  public StepMetrics {
    values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /** One logged value, NaN when the step did not log it. */
  public double value(String key) {
    Double v = values.get(key);
    return v == null ? Double.NaN : v;
  }
}

package jdetr.train;

import java.util.LinkedHashMap;
import java.util.Map;
import jdetr.engine.StepLog;

/**
 * Averages of the step logs of one epoch, as the reference's {@code MetricLogger} global averages
 * (every step weighs the same).
 */
public final class EpochMeter {
  private final Map<String, Double> sums = new LinkedHashMap<>();
  private int steps;

  public void add(StepLog log) {
    log.values().forEach((k, v) -> sums.merge(k, v, Double::sum));
    steps++;
  }

  public int steps() {
    return steps;
  }

  /** The mean of every key over the epoch's steps. */
  public Map<String, Double> averages() {
    Map<String, Double> out = new LinkedHashMap<>();
    sums.forEach((k, v) -> out.put(k, v / Math.max(1, steps)));
    return out;
  }
}

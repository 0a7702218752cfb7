package jdetr.train;

import java.util.LinkedHashMap;
import java.util.Map;
import jdetr.engine.StepLog;

/**
 * Averages of the step logs of one epoch, as the reference's {@code MetricLogger} global averages
 * (every step weighs the same). A step checkpoint stores the sums so far, so an epoch resumed in
 * its middle averages the same steps as one run through.
 */
public final class EpochMeter {
  private final Map<String, Double> sums = new LinkedHashMap<>();
  private int steps;

  public EpochMeter() {}

  /** A meter that has already seen {@code steps} steps adding up to {@code sums}. */
  public static EpochMeter of(Map<String, Double> sums, int steps) {
    EpochMeter m = new EpochMeter();
    m.sums.putAll(sums);
    m.steps = steps;
    return m;
  }

  public void add(StepLog log) {
    log.values().forEach((k, v) -> sums.merge(k, v, Double::sum));
    steps++;
  }

  public int steps() {
    return steps;
  }

  /** The sum of every key over the steps seen. */
  public Map<String, Double> sums() {
    return new LinkedHashMap<>(sums);
  }

  /** The mean of every key over the epoch's steps. */
  public Map<String, Double> averages() {
    Map<String, Double> out = new LinkedHashMap<>();
    sums.forEach((k, v) -> out.put(k, v / Math.max(1, steps)));
    return out;
  }
}

package jdetr.serve;

import java.util.Arrays;

/**
 * When to claim the next batch so that its frames are decoded and prepared just as the running
 * batch ends: the running batch's expected end less the expected preparation time. Claiming
 * earlier would only make the next batch's frames older (a claimed frame is no longer replaced by
 * a newer one of its stream); claiming later would leave the model waiting. The expectations are
 * moving averages of what was measured, the model's per batch size: a batch's time is not
 * proportional to its frames (a fixed part per batch), and batch sizes alternate when streams
 * answer out of step, so a time per frame would expect a batch of 4 after batches of 1 to run four
 * times as long as it does. Not thread-safe: the detection loop guards it.
 */
final class BatchTiming {

  /** Weight of the newest measurement in the moving averages. */
  private static final double WEIGHT = 0.25;
  /** Preparation is started this much earlier than its expected duration (it varies with load). */
  private static final double PREPARE_MARGIN = 1.5;

  /** Expected model time of a batch, by its number of frames; NaN where none ran yet. */
  private double[] modelNanos = new double[0];
  private double prepareNanos = Double.NaN;

  /** The model ran a batch of {@code frames} in {@code nanos}. */
  void modelRan(int frames, long nanos) {
    if (frames >= modelNanos.length) {
      int old = modelNanos.length;
      modelNanos = Arrays.copyOf(modelNanos, frames + 1);
      Arrays.fill(modelNanos, old, frames + 1, Double.NaN);
    }
    modelNanos[frames] = average(modelNanos[frames], nanos);
  }

  /** A batch took {@code nanos} to decode and prepare. */
  void prepared(long nanos) {
    prepareNanos = average(prepareNanos, nanos);
  }

  /**
   * The {@link System#nanoTime()} at which to claim the next batch while a batch of {@code frames}
   * runs since {@code runningSince}; {@code runningSince} itself until the preparation and a batch
   * of that size were measured.
   */
  long claimAt(long runningSince, int frames) {
    double model = frames < modelNanos.length ? modelNanos[frames] : Double.NaN;
    if (Double.isNaN(model) || Double.isNaN(prepareNanos)) {
      return runningSince;
    }
    double lead = model - PREPARE_MARGIN * prepareNanos;
    return runningSince + (long) Math.max(0, lead);
  }

  private static double average(double old, double value) {
    return Double.isNaN(old) ? value : old + WEIGHT * (value - old);
  }
}

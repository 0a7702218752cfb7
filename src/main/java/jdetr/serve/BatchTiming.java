package jdetr.serve;

/**
 * When to claim the next batch so that its frames are decoded and prepared just as the running
 * batch ends: the running batch's expected end less the expected preparation time. Claiming
 * earlier would only make the next batch's frames older (a claimed frame is no longer replaced by
 * a newer one of its stream); claiming later would leave the model waiting. The expectations are
 * moving averages of what was measured. Not thread-safe: the detection loop guards it.
 */
final class BatchTiming {

  /** Weight of the newest measurement in the moving averages. */
  private static final double WEIGHT = 0.25;
  /** Preparation is started this much earlier than its expected duration (it varies with load). */
  private static final double PREPARE_MARGIN = 1.5;

  private double modelNanosPerFrame = Double.NaN;
  private double prepareNanos = Double.NaN;

  /** The model ran a batch of {@code frames} in {@code nanos}. */
  void modelRan(int frames, long nanos) {
    modelNanosPerFrame = average(modelNanosPerFrame, nanos / (double) Math.max(1, frames));
  }

  /** A batch took {@code nanos} to decode and prepare. */
  void prepared(long nanos) {
    prepareNanos = average(prepareNanos, nanos);
  }

  /**
   * The {@link System#nanoTime()} at which to claim the next batch while a batch of {@code frames}
   * runs since {@code runningSince}; {@code runningSince} itself until both durations were measured.
   */
  long claimAt(long runningSince, int frames) {
    if (Double.isNaN(modelNanosPerFrame) || Double.isNaN(prepareNanos)) {
      return runningSince;
    }
    double lead = modelNanosPerFrame * frames - PREPARE_MARGIN * prepareNanos;
    return runningSince + (long) Math.max(0, lead);
  }

  private static double average(double old, double value) {
    return Double.isNaN(old) ? value : old + WEIGHT * (value - old);
  }
}

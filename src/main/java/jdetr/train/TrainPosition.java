package jdetr.train;

/**
 * Where a run stands between two optimisation steps: the next step to run is step
 * {@code epochStep} (0-based) of epoch {@code epoch}, and {@code step} steps were taken in all.
 * At an epoch's end the position is {@code (epoch + 1, 0, step)}.
 */
public record TrainPosition(int epoch, int epochStep, long step) {
  public static final TrainPosition START = new TrainPosition(0, 0, 0);

  public TrainPosition {
    if (epoch < 0 || epochStep < 0 || step < 0) {
      throw new IllegalArgumentException("position epoch " + epoch + ", step " + epochStep
          + " of the epoch, global step " + step + ": must not be negative");
    }
  }

  /** Epochs completed. */
  public int epochsDone() {
    return epoch;
  }

  /** Whether the position is inside an epoch (a step checkpoint) rather than at its start. */
  public boolean midEpoch() {
    return epochStep > 0;
  }
}

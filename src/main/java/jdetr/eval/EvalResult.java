package jdetr.eval;

/**
 * The COCO evaluation of one training checkpoint (the eval stage publishes it on
 * {@code jdetr.eval.result}).
 *
 * @param checkpoint the checkpoint directory
 * @param step the step it was saved at
 * @param epoch the epoch whose log line the result completes
 * @param stats the 12 COCO box summary numbers (AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100,
 *     ARs, ARm, ARl); empty when the evaluation failed
 * @param seconds wall time of the evaluation
 * @param error why the evaluation failed, or empty
 * @param maskStats the 12 COCO mask summary numbers when the model predicts masks, else empty
 */
public record EvalResult(String checkpoint, long step, int epoch, double[] stats, double seconds,
    String error, double[] maskStats) {

  public static final int STATS = 12;

  public EvalResult {
    if (error.isEmpty() && stats.length != STATS) {
      throw new IllegalArgumentException("an evaluation has " + STATS + " COCO numbers, got "
          + stats.length);
    }
    if (maskStats.length != 0 && maskStats.length != STATS) {
      throw new IllegalArgumentException("a mask evaluation has " + STATS + " COCO numbers, got "
          + maskStats.length);
    }
  }

  /** An evaluation of boxes only. */
  public EvalResult(String checkpoint, long step, int epoch, double[] stats, double seconds,
      String error) {
    this(checkpoint, step, epoch, stats, seconds, error, new double[0]);
  }

  public static EvalResult failed(String checkpoint, long step, int epoch, double seconds,
      String error) {
    return new EvalResult(checkpoint, step, epoch, new double[0], seconds,
        error.isEmpty() ? "evaluation failed" : error);
  }

  public boolean ok() {
    return error.isEmpty();
  }
}

package jdetr.eval;

import java.util.List;

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
 * @param panoptic on panoptic data, the panoptic quality: pq, sq, rq, n of All, Things and Stuff
 *     (12 numbers, {@link #PANOPTIC_GROUPS}); else empty
 * @param atScore the boxes scoring at least a threshold, matched at IoU 0.5 ({@link
 *     ScoreThresholdMetrics}, read by {@link #scoreThresholdMetrics()}): {threshold, true
 *     positives, false positives, objects} (4 numbers, counts as whole numbers); else empty
 */
public record EvalResult(String checkpoint, long step, int epoch, double[] stats, double seconds,
    String error, double[] maskStats, double[] panoptic, double[] atScore) {

  public static final int STATS = 12;
  /** The run log's names of the panoptic averages, in the order of {@link #panoptic}. */
  public static final List<String> PANOPTIC_GROUPS = List.of("PQ_all", "PQ_th", "PQ_st");
  /** The length of a present {@link #atScore}. */
  public static final int AT_SCORE = 4;

  public EvalResult {
    if (error.isEmpty() && stats.length != STATS) {
      throw new IllegalArgumentException("an evaluation has " + STATS + " COCO numbers, got "
          + stats.length);
    }
    if (maskStats.length != 0 && maskStats.length != STATS) {
      throw new IllegalArgumentException("a mask evaluation has " + STATS + " COCO numbers, got "
          + maskStats.length);
    }
    if (panoptic.length != 0 && panoptic.length != 4 * PANOPTIC_GROUPS.size()) {
      throw new IllegalArgumentException("a panoptic evaluation has " + 4 * PANOPTIC_GROUPS.size()
          + " numbers, got " + panoptic.length);
    }
    if (atScore.length != 0 && atScore.length != AT_SCORE) {
      throw new IllegalArgumentException("a score-threshold monitor has " + AT_SCORE
          + " numbers, got " + atScore.length);
    }
  }

  /** An evaluation without the score-threshold monitor. */
  public EvalResult(String checkpoint, long step, int epoch, double[] stats, double seconds,
      String error, double[] maskStats, double[] panoptic) {
    this(checkpoint, step, epoch, stats, seconds, error, maskStats, panoptic, new double[0]);
  }

  /** An evaluation without panoptic numbers. */
  public EvalResult(String checkpoint, long step, int epoch, double[] stats, double seconds,
      String error, double[] maskStats) {
    this(checkpoint, step, epoch, stats, seconds, error, maskStats, new double[0]);
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

  /** The {@link #atScore} numbers of {@code m} (its per-class list is not carried). */
  public static double[] atScoreOf(ScoreThresholdMetrics m) {
    return new double[] {m.scoreThreshold(), m.truePositives(), m.falsePositives(), m.numGt()};
  }

  /** The precision and recall of {@link #atScore} (no per-class list), or null when absent. */
  public ScoreThresholdMetrics scoreThresholdMetrics() {
    if (atScore.length == 0) {
      return null;
    }
    long tp = (long) atScore[1];
    long fp = (long) atScore[2];
    long numGt = (long) atScore[3];
    return new ScoreThresholdMetrics(atScore[0], tp, fp, numGt,
        ScoreThresholdMetrics.precision(tp, fp), ScoreThresholdMetrics.recall(tp, numGt),
        List.of());
  }

  public boolean ok() {
    return error.isEmpty();
  }
}

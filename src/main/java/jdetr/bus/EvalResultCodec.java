package jdetr.bus;

import jdetr.eval.EvalResult;

/** Binary codec of {@link EvalResult}. */
public final class EvalResultCodec extends BinaryCodec<EvalResult> {
  private static final int MAX_TEXT_BYTES = 64 * 1024;

  public EvalResultCodec() {
    super(EvalResult.class, 0x45520003); // "ER", layout 3 (mask stats, panoptic, score monitor)
  }

  @Override
  protected void write(WireWriter out, EvalResult m) {
    out.writeString(m.checkpoint()).writeLong(m.step()).writeInt(m.epoch())
        .writeDoubles(m.stats(), m.stats().length).writeDouble(m.seconds()).writeString(m.error())
        .writeDoubles(m.maskStats(), m.maskStats().length)
        .writeDoubles(m.panoptic(), m.panoptic().length)
        .writeDoubles(m.atScore(), m.atScore().length);
  }

  @Override
  protected EvalResult read(WireReader in) {
    String checkpoint = in.readString("checkpoint", MAX_TEXT_BYTES);
    long step = in.readLong("step");
    int epoch = in.readInt("epoch");
    double[] stats = in.readDoubles("stats", -1);
    double seconds = in.readDouble("seconds");
    String error = in.readString("error", MAX_TEXT_BYTES);
    double[] maskStats = in.readDoubles("mask_stats", -1);
    double[] panoptic = in.readDoubles("panoptic", -1);
    double[] atScore = in.readDoubles("at_score", -1);
    if (panoptic.length != 0 && panoptic.length != 4 * EvalResult.PANOPTIC_GROUPS.size()) {
      throw new WireFormatException(name() + ": " + panoptic.length
          + " panoptic numbers, expected 0 or " + 4 * EvalResult.PANOPTIC_GROUPS.size());
    }
    if (error.isEmpty() && stats.length != EvalResult.STATS) {
      throw new WireFormatException(name() + ": " + stats.length + " COCO numbers, expected "
          + EvalResult.STATS);
    }
    if (maskStats.length != 0 && maskStats.length != EvalResult.STATS) {
      throw new WireFormatException(name() + ": " + maskStats.length
          + " COCO mask numbers, expected 0 or " + EvalResult.STATS);
    }
    if (atScore.length != 0 && atScore.length != EvalResult.AT_SCORE) {
      throw new WireFormatException(name() + ": " + atScore.length
          + " score-threshold numbers, expected 0 or " + EvalResult.AT_SCORE);
    }
    return new EvalResult(checkpoint, step, epoch, stats, seconds, error, maskStats, panoptic,
        atScore);
  }
}

package jdetr.train;

import io.vertx.core.json.JsonObject;

/**
 * What a checkpoint is, as the trainer, the checkpoint stage and the eval stage tell each other.
 *
 * @param step the global step it was saved at
 * @param epoch the epoch it belongs to (the one just finished for an epoch-end checkpoint)
 * @param epochStep steps of that epoch done
 * @param stepsInEpoch steps the epoch has
 * @param epochEnd saved at the end of the epoch (after StepLR)
 * @param evaluate the eval stage is to evaluate it for the epoch's log line
 */
public record CheckpointNote(long step, int epoch, int epochStep, int stepsInEpoch,
    boolean epochEnd, boolean evaluate) {

  public JsonObject toJson() {
    return new JsonObject().put("step", step).put("epoch", epoch).put("epochStep", epochStep)
        .put("stepsInEpoch", stepsInEpoch).put("epochEnd", epochEnd).put("evaluate", evaluate);
  }

  /** Reads the fields of {@link #toJson} from a message; a missing field is an error naming it. */
  public static CheckpointNote fromJson(JsonObject o) {
    for (String k : new String[] {"step", "epoch", "epochStep", "stepsInEpoch", "epochEnd", "evaluate"}) {
      if (!o.containsKey(k)) {
        throw new IllegalArgumentException("checkpoint message without field '" + k + "': " + o.encode());
      }
    }
    return new CheckpointNote(o.getLong("step"), o.getInteger("epoch"), o.getInteger("epochStep"),
        o.getInteger("stepsInEpoch"), o.getBoolean("epochEnd"), o.getBoolean("evaluate"));
  }

  /** "step-000003 (epoch 0, step 3/4)" or "step-000004 (end of epoch 0)". */
  public String describe() {
    String name = jdetr.checkpoint.CheckpointStore.dirName(step);
    return epochEnd ? name + " (end of epoch " + epoch + ")"
        : name + " (epoch " + epoch + ", step " + epochStep + "/" + stepsInEpoch + ")";
  }
}

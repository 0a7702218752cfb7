package jdetr.checkpoint;

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

  /** "step-000003 (epoch 0, step 3/4)" or "step-000004 (end of epoch 0)". */
  public String describe() {
    String name = CheckpointStore.dirName(step);
    return epochEnd ? name + " (end of epoch " + epoch + ")"
        : name + " (epoch " + epoch + ", step " + epochStep + "/" + stepsInEpoch + ")";
  }
}

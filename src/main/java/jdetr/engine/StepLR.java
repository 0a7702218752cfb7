package jdetr.engine;

/**
 * {@code torch.optim.lr_scheduler.StepLR}: every {@code stepSize} epochs each group's learning
 * rate is multiplied by {@code gamma} (DETR: {@code --lr_drop}, gamma 0.1). Stepped once per
 * epoch, after the epoch's optimizer steps.
 */
public final class StepLR {
  private final AdamW optimizer;
  private final int stepSize;
  private final double gamma;
  private int lastEpoch;

  public StepLR(AdamW optimizer, int stepSize, double gamma) {
    if (stepSize < 1) {
      throw new IllegalArgumentException("StepLR step size must be at least 1, got " + stepSize);
    }
    this.optimizer = optimizer;
    this.stepSize = stepSize;
    this.gamma = gamma;
  }

  /** Ends an epoch: drops the learning rates when the epoch count reaches a multiple of stepSize. */
  public void step() {
    lastEpoch++;
    if (lastEpoch % stepSize == 0) {
      for (int g = 0; g < optimizer.groupCount(); g++) {
        optimizer.setLr(g, optimizer.lr(g) * gamma); // chained like torch, not a closed form
      }
    }
  }

  /** Epochs completed (torch's {@code last_epoch}), for checkpoints. */
  public int lastEpoch() {
    return lastEpoch;
  }

  /** Restores the epoch count from a checkpoint; the learning rates come with the optimizer state. */
  public void restore(int lastEpoch) {
    if (lastEpoch < 0) {
      throw new IllegalArgumentException("negative last epoch " + lastEpoch);
    }
    this.lastEpoch = lastEpoch;
  }
}

package jdetr.engine;

/**
 * How a step's batch is split ({@code micro_batches}) and how many of its micro-batches run at
 * once ({@code micro_batch_threads}).
 *
 * <p>With one thread the micro-batches run one after another and only the Hungarian matching
 * overlaps the model's compute. With two, the step's two micro-batches run their forward, loss and
 * backward at the same time, each on its own thread with half the intra-op threads: a small model
 * whose operators are too short to split keeps both cores busy. libtorch adds both gradients into
 * the zeroed ones, and the sum of two numbers does not depend on their order, so the step is the
 * same bit for bit as with one thread and two micro-batches; batch-norm running statistics are
 * updated in micro-batch order afterwards (see {@link jdetr.model.RunningStatistics}). More than
 * two would sum in the order they finish, and dropout would draw in the order the threads ask:
 * runs would no longer repeat, so both are refused.
 *
 * @param parts micro-batches per step (1), at most one image each
 * @param threads micro-batches at a time: 1, or 2 with {@code parts} 2
 */
public record MicroBatching(int parts, int threads) {

  public MicroBatching {
    if (parts < 1) {
      throw new IllegalArgumentException("recipe micro_batches: must be >= 1, got " + parts);
    }
    if (threads != 1 && threads != 2) {
      throw new IllegalArgumentException("recipe micro_batch_threads: 1 or 2, got " + threads
          + " (more threads would add their gradients in the order they finish, and a run would"
          + " not repeat)");
    }
    if (threads == 2 && parts != 2) {
      throw new IllegalArgumentException("recipe micro_batch_threads 2 runs the step's two"
          + " micro-batches at once: it needs micro_batches 2, got " + parts);
    }
  }

  /** One micro-batch after another. */
  public static MicroBatching sequential(int parts) {
    return new MicroBatching(parts, 1);
  }

  public boolean concurrent() {
    return threads > 1;
  }

  /**
   * Refuses what the recipe cannot run: more parts than images, or concurrent micro-batches with
   * dropout (its draws would interleave between the threads).
   */
  public void check(int batchSize, double dropout) {
    if (parts > batchSize) {
      throw new IllegalArgumentException("recipe micro_batches: " + parts
          + " is more than batch_size " + batchSize);
    }
    if (concurrent() && dropout > 0) {
      throw new IllegalArgumentException("recipe micro_batch_threads 2 needs model.dropout 0, got "
          + dropout + ": the two threads would draw dropout masks in whatever order they run, and"
          + " a run would not repeat");
    }
  }
}

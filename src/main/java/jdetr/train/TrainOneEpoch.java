package jdetr.train;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import jdetr.data.Batch;
import jdetr.data.Target;
import jdetr.engine.EngineRandom;
import jdetr.engine.StepLog;
import jdetr.engine.TrainStep;

/**
 * The steps of one epoch (the reference's {@code engine.py train_one_epoch}), on the calling
 * thread, which owns the model: batch {@code s + 1} is asked for before step {@code s} runs, each
 * step reseeds libtorch's generator from (seed, global step) and goes through {@link TrainStep};
 * each is measured and handed to a listener before the next starts. {@link Trainer} runs its
 * epochs with it, and {@code bench train} times it.
 */
public final class TrainOneEpoch {

  /** Receives each step as it finishes. */
  @FunctionalInterface
  public interface Listener {
    void step(TimedStep step);
  }

  private final TrainStep trainStep;
  private final BatchSource source;
  private final long seed;
  private final LongSupplier processCpuNs;

  /**
   * @param seed the run's seed (dropout masks and denoising queries per step)
   * @param processCpuNs the process's CPU time in nanoseconds ({@code () -> 0} when not measured)
   */
  public TrainOneEpoch(TrainStep trainStep, BatchSource source, long seed,
      LongSupplier processCpuNs) {
    this.trainStep = trainStep;
    this.source = source;
    this.seed = seed;
    this.processCpuNs = processCpuNs;
  }

  /**
   * Runs steps {@code first} to {@code end - 1} of {@code epoch}, the first of them global step
   * {@code step}; stops before the next step once {@code stopped} says so.
   *
   * @return the global step after the last one run
   */
  public long run(int epoch, int first, int end, long step, BooleanSupplier stopped,
      Listener listener) {
    CompletableFuture<Batch> next = first < end ? source.batch(epoch, first) : null;
    for (int s = first; s < end && !stopped.getAsBoolean(); s++) {
      long t0 = System.nanoTime();
      long c0 = processCpuNs.getAsLong();
      Batch batch = join(next);
      next = s + 1 < end ? source.batch(epoch, s + 1) : null;
      long t1 = System.nanoTime();
      long c1 = processCpuNs.getAsLong();
      long current = step;
      StepLog log = EngineRandom.forStep(seed, current, () -> trainStep.run(batch, current));
      long t2 = System.nanoTime();
      long c2 = processCpuNs.getAsLong();
      int targets = batch.targets().stream().mapToInt(Target::size).sum();
      step++;
      listener.step(new TimedStep(current, epoch, s, log, t1 - t0, t2 - t1, c1 - c0, c2 - c1,
          batch.height(), batch.width(), targets));
    }
    return step;
  }

  private static Batch join(CompletableFuture<Batch> f) {
    try {
      return f.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }
}

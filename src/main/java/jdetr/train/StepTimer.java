package jdetr.train;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import jdetr.data.Batch;
import jdetr.data.Target;
import jdetr.engine.EngineRandom;
import jdetr.engine.StageTimes;
import jdetr.engine.StepLog;
import jdetr.engine.TrainStep;

/**
 * Training steps back to back as {@link Trainer}'s loop runs them (batch {@code s + 1} is asked
 * for before step {@code s} runs), each measured on the calling thread, which owns the model:
 * the wait for its batch, the stages of {@link TrainStep}, and process CPU time. Step {@code s}
 * uses batch {@code s mod stepsPerEpoch} of epoch {@code s / stepsPerEpoch} and the generator
 * seed of step {@code s} ({@link EngineRandom#forStep}); the learning rate stays constant.
 */
public final class StepTimer {

  /**
   * One measured step.
   *
   * @param step 0-based step number
   * @param log what {@link TrainStep#run} returned, with its stage times
   * @param dataWaitNs time spent getting the batch: waiting for it, and asking for the next one
   *     (which prepares it, when the source prepares batches on the calling thread)
   * @param trainNs {@link TrainStep#run}
   * @param dataCpuNs process CPU time during the data wait
   * @param trainCpuNs process CPU time during the step (every thread of the process)
   * @param height padded batch height
   * @param width padded batch width
   * @param targets objects in the batch
   */
  public record Timed(long step, StepLog log, long dataWaitNs, long trainNs, long dataCpuNs,
      long trainCpuNs, int height, int width, int targets) {

    public StageTimes stages() {
      return log.times();
    }

    /** Wall time of the whole step: data wait and training. */
    public long stepNs() {
      return dataWaitNs + trainNs;
    }

    /** Pure compute over the wall step time (1 when data and matching are fully hidden). */
    public double efficiency() {
      return stepNs() == 0 ? 0 : (double) stages().computeNs() / stepNs();
    }
  }

  /** Receives each step as it finishes. */
  @FunctionalInterface
  public interface Listener {
    void step(Timed timed);
  }

  private final TrainStep trainStep;
  private final BatchSource source;
  private final int stepsPerEpoch;
  private final long seed;
  private final LongSupplier processCpuNs;

  /**
   * @param seed the run's seed (dropout masks per step)
   * @param processCpuNs the process's CPU time in nanoseconds
   */
  public StepTimer(TrainStep trainStep, BatchSource source, int stepsPerEpoch, long seed,
      LongSupplier processCpuNs) {
    if (stepsPerEpoch < 1) {
      throw new IllegalArgumentException("steps per epoch must be >= 1, got " + stepsPerEpoch);
    }
    this.trainStep = trainStep;
    this.source = source;
    this.stepsPerEpoch = stepsPerEpoch;
    this.seed = seed;
    this.processCpuNs = processCpuNs;
  }

  /**
   * Runs {@code steps} steps, handing each to {@code listener} before the next starts; stops
   * before the next step once {@code stopped} says so.
   */
  public void run(int steps, BooleanSupplier stopped, Listener listener) {
    CompletableFuture<Batch> next = steps > 0 ? source.batch(0, 0) : null;
    for (int s = 0; s < steps && !stopped.getAsBoolean(); s++) {
      long t0 = System.nanoTime();
      long c0 = processCpuNs.getAsLong();
      Batch batch = join(next);
      int following = s + 1;
      next = following < steps
          ? source.batch(following / stepsPerEpoch, following % stepsPerEpoch) : null;
      long t1 = System.nanoTime();
      long c1 = processCpuNs.getAsLong();
      long step = s;
      StepLog log = EngineRandom.forStep(seed, step, () -> trainStep.run(batch, step));
      long t2 = System.nanoTime();
      long c2 = processCpuNs.getAsLong();
      int targets = batch.targets().stream().mapToInt(Target::size).sum();
      listener.step(new Timed(s, log, t1 - t0, t2 - t1, c1 - c0, c2 - c1, batch.height(),
          batch.width(), targets));
    }
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

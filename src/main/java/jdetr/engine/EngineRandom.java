package jdetr.engine;

import ai.djl.engine.Engine;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * libtorch's default generator, which every thread of the JVM shares (dropout masks, random
 * initialisation). A training step reseeds it from (seed, step) before it runs, so its dropout
 * masks depend only on the run's seed and the step number: a run resumed from a checkpoint, or
 * one whose stages run elsewhere, draws the same masks. Whatever else draws from the generator
 * (building a model for evaluation) takes the same lock, so it never lands between a reseed and
 * the step that uses it.
 */
public final class EngineRandom {
  private static final ReentrantLock LOCK = new ReentrantLock(true);

  private EngineRandom() {}

  /** The generator seed of optimisation step {@code step} of a run seeded with {@code seed}. */
  public static int stepSeed(long seed, long step) {
    long z = seed * 0x9E3779B97F4A7C15L + step + 0x632BE59BD9B4E019L; // SplitMix64 finaliser
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z = z ^ (z >>> 31);
    return (int) (z & 0x7FFFFFFF);
  }

  /** Seeds the generator with {@code seed} and runs {@code work} while no other thread draws. */
  public static <T> T seeded(int seed, Supplier<T> work) {
    LOCK.lock();
    try {
      Engine.getInstance().setRandomSeed(seed);
      return work.get();
    } finally {
      LOCK.unlock();
    }
  }

  /** Runs step {@code step} of a run seeded with {@code seed}: {@link #seeded} with its step seed. */
  public static <T> T forStep(long seed, long step, Supplier<T> work) {
    return seeded(stepSeed(seed, step), work);
  }

  /** Runs {@code work}, which draws from the generator, while no training step is running. */
  public static <T> T exclusive(Supplier<T> work) {
    LOCK.lock();
    try {
      return work.get();
    } finally {
      LOCK.unlock();
    }
  }
}

package jdetr.data.transforms;

import java.util.List;
import java.util.SplittableRandom;
import jdetr.data.KeyedRandom;

/**
 * The random source of one image's augmentation, keyed by (seed, epoch, image index) only: the
 * same image gets the same augmentation on any worker or node, and after a resume.
 */
public final class AugmentationRandom {
  private final SplittableRandom random;

  private AugmentationRandom(SplittableRandom random) {
    this.random = random;
  }

  public static AugmentationRandom of(long seed, long epoch, long index) {
    return new AugmentationRandom(KeyedRandom.of(seed, epoch, index));
  }

  /** Uniform in [0, 1), like Python's {@code random.random()}. */
  public double uniform() {
    return random.nextDouble();
  }

  /** Uniform integer in [lo, hi], both included, like Python's {@code random.randint}. */
  public int integer(int lo, int hi) {
    return lo + random.nextInt(hi - lo + 1);
  }

  /** One element, uniformly, like Python's {@code random.choice}. */
  public int choice(List<Integer> values) {
    return values.get(random.nextInt(values.size()));
  }
}

package jdetr.data.transforms;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The random source of one image's augmentation, keyed by (seed, epoch, image index) only: the
 * same image gets the same augmentation on any worker or node, and after a resume.
 */
public final class AugmentationRandom {
  private final SplittableRandom random;

  private AugmentationRandom(long key) {
    this.random = new SplittableRandom(key);
  }

  public static AugmentationRandom of(long seed, long epoch, long index) {
    long key = mix(seed);
    key = mix(key ^ mix(epoch + 0x632BE59BD9B4E019L));
    key = mix(key ^ mix(index + 0x9E3779B97F4A7C15L));
    return new AugmentationRandom(key);
  }

  /** SplitMix64's finalizer: a bijection that spreads every input bit over the output. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
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

package jdetr.data;

import java.util.SplittableRandom;

/**
 * Random streams keyed by a tuple of numbers (seed, epoch, index…), so a result depends on what is
 * computed, never on which thread, worker or node computes it.
 */
public final class KeyedRandom {
  private KeyedRandom() {}

  public static SplittableRandom of(long seed, long... parts) {
    return new SplittableRandom(key(seed, parts));
  }

  public static long key(long seed, long... parts) {
    long key = mix(seed);
    long salt = 0x632BE59BD9B4E019L;
    for (long part : parts) {
      key = mix(key ^ mix(part + salt));
      salt += 0x9E3779B97F4A7C15L;
    }
    return key;
  }

  /** SplitMix64's finalizer: a bijection that spreads every input bit over the output. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}

package jdetr.loss;

import java.util.Arrays;

/**
 * The optimal assignment of one image at one decoder layer: query {@code queryIdx[k]} is matched
 * to target {@code targetIdx[k]}. Every target is matched once (T <= Q).
 *
 * @param queryIdx matched query indices in [0, Q)
 * @param targetIdx matched target indices in [0, T), same length
 */
public record Matching(int[] queryIdx, int[] targetIdx) {

  public Matching {
    if (queryIdx.length != targetIdx.length) {
      throw new IllegalArgumentException(
          queryIdx.length + " query indices but " + targetIdx.length + " target indices");
    }
  }

  /** The matching of an image without targets. */
  public static Matching empty() {
    return new Matching(new int[0], new int[0]);
  }

  /** Number of matched pairs. */
  public int size() {
    return queryIdx.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Matching m
        && Arrays.equals(queryIdx, m.queryIdx)
        && Arrays.equals(targetIdx, m.targetIdx);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(queryIdx) + Arrays.hashCode(targetIdx);
  }

  @Override
  public String toString() {
    return "Matching" + Arrays.toString(queryIdx) + "->" + Arrays.toString(targetIdx);
  }
}

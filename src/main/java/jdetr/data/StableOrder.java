package jdetr.data;

/** Stable indirect sort of primitive keys (no boxing: COCO train2017 has 860k annotations). */
final class StableOrder {
  private StableOrder() {}

  /** The permutation that lists {@code keys} in ascending order, ties kept in input order. */
  static int[] ascending(long[] keys, int size) {
    int[] order = new int[size];
    for (int i = 0; i < size; i++) order[i] = i;
    if (size < 2) return order;
    int[] buffer = new int[size];
    for (int width = 1; width < size; width *= 2) {
      for (int lo = 0; lo < size; lo += 2 * width) {
        int mid = Math.min(lo + width, size);
        int hi = Math.min(lo + 2 * width, size);
        int i = lo, j = mid, k = lo;
        while (i < mid && j < hi) {
          buffer[k++] = keys[order[j]] < keys[order[i]] ? order[j++] : order[i++];
        }
        while (i < mid) buffer[k++] = order[i++];
        while (j < hi) buffer[k++] = order[j++];
      }
      int[] swap = order;
      order = buffer;
      buffer = swap;
    }
    return order;
  }
}

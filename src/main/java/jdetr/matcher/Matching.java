package jdetr.matcher;

/**
 * The matching of one image and one decoder layer: query {@code queries[k]} is matched to target
 * {@code targets[k]}. Queries ascending, as the reference's {@code (index_i, index_j)}; there are
 * {@code min(Q, T)} pairs, i.e. one per target. The arrays are owned by this record and must not be
 * changed.
 *
 * @param queries matched query indices, strictly increasing
 * @param targets the target matched to each query
 */
public record Matching(int[] queries, int[] targets) {

  /** No pairs: the matching of an image without targets. */
  public static final Matching EMPTY = new Matching(new int[0], new int[0]);

  public Matching {
    if (queries.length != targets.length) {
      throw new IllegalArgumentException(
          "queries and targets differ in length: " + queries.length + " vs " + targets.length);
    }
  }

  /** Number of matched pairs. */
  public int size() {
    return queries.length;
  }
}

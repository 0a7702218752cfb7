package jdetr.model.deformable;

/**
 * The query groups a training decoder runs side by side, in this order: the Q one-to-one
 * (matching) queries, the N one-to-many queries of hybrid matching, then G denoising groups of M
 * slots. The decoder's self-attention mask keeps them apart: one-to-one queries see only
 * one-to-one queries (so they train as at inference, where they run alone); one-to-many queries
 * see only one-to-many queries; a denoising query sees the one-to-one queries and its own group.
 *
 * @param oneToOne Q
 * @param oneToMany N, 0 without hybrid matching
 * @param dnGroups G, 0 without denoising
 * @param dnSlots M, slots per denoising group
 */
public record QueryGroups(int oneToOne, int oneToMany, int dnGroups, int dnSlots) {

  public QueryGroups {
    if (oneToOne < 1 || oneToMany < 0 || dnGroups < 0 || dnSlots < 0) {
      throw new IllegalArgumentException("query groups: " + oneToOne + " one-to-one, "
          + oneToMany + " one-to-many, " + dnGroups + " x " + dnSlots + " denoising");
    }
  }

  /** Q + N + G M, every query of the decoder. */
  public int total() {
    return oneToOne + oneToMany + dnGroups * dnSlots;
  }

  /** Which group a query is in: 0 one-to-one, 1 one-to-many, 2 + g denoising group g. */
  int group(int query) {
    if (query < oneToOne) {
      return 0;
    }
    if (query < oneToOne + oneToMany) {
      return 1;
    }
    return 2 + (query - oneToOne - oneToMany) / dnSlots;
  }

  /**
   * Which query may attend to which.
   *
   * @return [total * total] row-major, row = attending query, true = blocked
   */
  public boolean[] blocked() {
    int n = total();
    boolean[] blocked = new boolean[n * n];
    for (int row = 0; row < n; row++) {
      int from = group(row);
      for (int col = 0; col < n; col++) {
        int to = group(col);
        boolean seen = from == to || (from >= 2 && to == 0);
        blocked[row * n + col] = !seen;
      }
    }
    return blocked;
  }

  /** {@link #blocked} as an additive attention bias: -inf where blocked, else 0. */
  public float[] selfAttentionBias() {
    boolean[] blocked = blocked();
    float[] bias = new float[blocked.length];
    for (int i = 0; i < bias.length; i++) {
      bias[i] = blocked[i] ? Float.NEGATIVE_INFINITY : 0f;
    }
    return bias;
  }
}

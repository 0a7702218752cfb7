package jdetr.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Hybrid matching (H-DETR, Jia et al. 2023) for two-stage Deformable DETR; not part of the
 * reference models, off by default. During training, {@code queries} more queries (the next
 * top-scoring encoder proposals after the one-to-one queries') are decoded alongside the
 * one-to-one queries, a self-attention mask keeping the two groups blind to each other. They are
 * matched against every image's targets repeated {@code k} times, so each target trains up to k
 * queries, and their loss terms (every decoder layer, suffix {@code _one2many}) join the loss
 * times {@code weight}. Inference decodes the one-to-one queries alone.
 *
 * @param queries N, the one-to-many queries; 0 turns the branch off
 * @param k K, how many times the targets are repeated for the one-to-many matching
 * @param weight w, the factor on every one-to-many loss term
 */
public record OneToMany(
    @JsonProperty("queries") int queries,
    @JsonProperty("k") int k,
    @JsonProperty("weight") double weight) {

  public OneToMany {
    check(queries >= 0, "queries", "must be >= 0, got " + queries);
    check(k >= 1, "k", "must be >= 1, got " + k);
    check(weight >= 0 && Double.isFinite(weight), "weight", "must be finite and >= 0, got "
        + weight);
  }

  /** No one-to-many branch (the reference models). */
  public static OneToMany off() {
    return new OneToMany(0, 6, 1.0);
  }

  public boolean enabled() {
    return queries > 0;
  }

  private static void check(boolean ok, String field, String message) {
    if (!ok) {
      throw new IllegalArgumentException("Deformable DETR config one_to_many." + field + ": "
          + message);
    }
  }
}

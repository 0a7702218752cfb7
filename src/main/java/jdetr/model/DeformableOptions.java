package jdetr.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What Deformable DETR adds to the DETR architecture, with the reference defaults
 * ({@code Deformable-DETR/main.py}); JSON names are the reference's argument names.
 *
 * @param numFeatureLevels feature levels: backbone stages 2-4 (strides 8/16/32) and, beyond three,
 *     extra stride-2 convolutions on the last one (4); 1 = stage 4 only
 * @param encNPoints sampling points per head and level in the encoder (4)
 * @param decNPoints sampling points per head and level in the decoder (4)
 * @param withBoxRefine iterative bounding box refinement: per-layer box heads refine the decoder's
 *     reference boxes layer by layer (off)
 * @param twoStage queries from the top-scoring encoder proposals instead of learned embeddings;
 *     needs {@code with_box_refine} (off)
 * @param denoising denoising queries during training (not in the reference; off); needs
 *     {@code two_stage}
 * @param oneToMany the one-to-many auxiliary queries of hybrid matching during training (not in
 *     the reference; off); needs {@code two_stage}
 * @param lookForwardTwice DINO's look-forward-twice: each layer's refined box keeps the gradient
 *     into the reference it refined, so a layer's loss also trains the previous layer's box head
 *     (not in the reference; off); needs {@code with_box_refine}
 * @param mixedQuerySelection DINO's mixed query selection: the decoder's content queries are
 *     learned embeddings, only their positions and boxes come from the top encoder proposals (not
 *     in the reference; off); needs {@code two_stage}
 * @param distinctQueryIou DDQ's distinct query selection: the two-stage queries are the
 *     top-scoring encoder proposals that survive a class-agnostic non-maximum suppression at this
 *     IoU, so no two queries start on the same box (not in the reference; 0 = off, DDQ uses 0.8);
 *     needs {@code two_stage}
 */
public record DeformableOptions(
    @JsonProperty("num_feature_levels") int numFeatureLevels,
    @JsonProperty("enc_n_points") int encNPoints,
    @JsonProperty("dec_n_points") int decNPoints,
    @JsonProperty("with_box_refine") boolean withBoxRefine,
    @JsonProperty("two_stage") boolean twoStage,
    @JsonProperty("denoising") Denoising denoising,
    @JsonProperty("one_to_many") OneToMany oneToMany,
    @JsonProperty("look_forward_twice") boolean lookForwardTwice,
    @JsonProperty("mixed_query_selection") boolean mixedQuerySelection,
    @JsonProperty("distinct_query_iou") double distinctQueryIou) {

  public DeformableOptions {
    if (denoising == null) { // configs written before the option existed
      denoising = Denoising.off();
    }
    if (oneToMany == null) {
      oneToMany = OneToMany.off();
    }
    check(numFeatureLevels == 1 || numFeatureLevels >= 3, "num_feature_levels",
        "must be 1 (the last backbone stage only) or >= 3 (stages 2 and up, then extra levels), got "
            + numFeatureLevels);
    check(encNPoints >= 1, "enc_n_points", "must be >= 1, got " + encNPoints);
    check(decNPoints >= 1, "dec_n_points", "must be >= 1, got " + decNPoints);
    check(!twoStage || withBoxRefine, "two_stage",
        "needs with_box_refine (the reference's two-stage model regresses its proposals with the"
            + " refinement heads)");
    check(!denoising.enabled() || twoStage, "denoising",
        "needs two_stage (the denoising queries take their positions as the proposals do)");
    check(!oneToMany.enabled() || twoStage, "one_to_many",
        "needs two_stage (the one-to-many queries are the next encoder proposals)");
    check(!lookForwardTwice || withBoxRefine, "look_forward_twice",
        "needs with_box_refine (it changes how the refined boxes pass their gradient)");
    check(!mixedQuerySelection || twoStage, "mixed_query_selection",
        "needs two_stage (the query positions are the encoder proposals)");
    check(distinctQueryIou >= 0 && distinctQueryIou <= 1, "distinct_query_iou",
        "must be in (0, 1] (the suppression IoU) or 0 (off), got " + distinctQueryIou);
    check(distinctQueryIou == 0 || twoStage, "distinct_query_iou",
        "needs two_stage (it selects among the encoder proposals)");
  }

  /** Without distinct query selection. */
  public DeformableOptions(int numFeatureLevels, int encNPoints, int decNPoints,
      boolean withBoxRefine, boolean twoStage, Denoising denoising, OneToMany oneToMany,
      boolean lookForwardTwice, boolean mixedQuerySelection) {
    this(numFeatureLevels, encNPoints, decNPoints, withBoxRefine, twoStage, denoising, oneToMany,
        lookForwardTwice, mixedQuerySelection, 0);
  }

  /** Without mixed query selection. */
  public DeformableOptions(int numFeatureLevels, int encNPoints, int decNPoints,
      boolean withBoxRefine, boolean twoStage, Denoising denoising, OneToMany oneToMany,
      boolean lookForwardTwice) {
    this(numFeatureLevels, encNPoints, decNPoints, withBoxRefine, twoStage, denoising, oneToMany,
        lookForwardTwice, false);
  }

  /** Without the one-to-many branch and look-forward-twice. */
  public DeformableOptions(int numFeatureLevels, int encNPoints, int decNPoints,
      boolean withBoxRefine, boolean twoStage, Denoising denoising) {
    this(numFeatureLevels, encNPoints, decNPoints, withBoxRefine, twoStage, denoising,
        OneToMany.off(), false);
  }

  /** Without denoising queries. */
  public DeformableOptions(int numFeatureLevels, int encNPoints, int decNPoints,
      boolean withBoxRefine, boolean twoStage) {
    this(numFeatureLevels, encNPoints, decNPoints, withBoxRefine, twoStage, Denoising.off());
  }

  /** The reference defaults: 4 levels, 4 points in encoder and decoder, no refinement, one stage. */
  public static DeformableOptions defaults() {
    return new DeformableOptions(4, 4, 4, false, false);
  }

  private static void check(boolean ok, String field, String message) {
    if (!ok) {
      throw new IllegalArgumentException("Deformable DETR config " + field + ": " + message);
    }
  }
}

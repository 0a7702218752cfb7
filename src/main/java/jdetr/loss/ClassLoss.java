package jdetr.loss;

/**
 * How the class head is trained and matched: one switch shared by the matcher's class cost and the
 * criterion's class loss, so the two can never disagree.
 */
public enum ClassLoss {
  /** DETR: softmax over C+1 logits (last = no-object), cross entropy with a no-object weight. */
  SOFTMAX_CE,
  /** Deformable DETR: sigmoid over C logits (no no-object class), focal loss. */
  SIGMOID_FOCAL;

  /** Focal loss alpha (Deformable DETR {@code --focal_alpha}). */
  public static final double FOCAL_ALPHA = 0.25;
  /** Focal loss gamma (fixed at 2 in Deformable DETR). */
  public static final double FOCAL_GAMMA = 2.0;
}

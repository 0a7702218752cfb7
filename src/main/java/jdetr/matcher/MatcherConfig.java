package jdetr.matcher;

import jdetr.loss.ClassLoss;

/**
 * Weights of the Hungarian matching cost and the class cost it uses (reference flags
 * {@code --set_cost_class}, {@code --set_cost_bbox}, {@code --set_cost_giou}).
 *
 * @param costClass weight of the class cost (DETR 1, Deformable DETR 2)
 * @param costBbox weight of the L1 distance between cxcywh boxes (5)
 * @param costGiou weight of the negated generalized IoU of xyxy boxes (2)
 * @param classLoss softmax probability cost (DETR) or focal cost (Deformable DETR); the same switch
 *     selects the criterion's class loss
 */
public record MatcherConfig(double costClass, double costBbox, double costGiou,
    ClassLoss classLoss) {

  /** DETR's matcher: softmax class cost, weights 1 / 5 / 2. */
  public static final MatcherConfig DETR = new MatcherConfig(1, 5, 2, ClassLoss.SOFTMAX_CE);

  /** Deformable DETR's matcher: focal class cost, weights 2 / 5 / 2. */
  public static final MatcherConfig DEFORMABLE_DETR =
      new MatcherConfig(2, 5, 2, ClassLoss.SIGMOID_FOCAL);

  public MatcherConfig {
    check("costClass", costClass);
    check("costBbox", costBbox);
    check("costGiou", costGiou);
    if (costClass == 0 && costBbox == 0 && costGiou == 0) {
      throw new IllegalArgumentException("matcher costs costClass, costBbox, costGiou are all 0");
    }
    if (classLoss == null) {
      throw new IllegalArgumentException("matcher classLoss is missing");
    }
  }

  /** The reference defaults for a class loss: {@link #DETR} or {@link #DEFORMABLE_DETR}. */
  public static MatcherConfig defaults(ClassLoss classLoss) {
    return classLoss == ClassLoss.SIGMOID_FOCAL ? DEFORMABLE_DETR : DETR;
  }

  private static void check(String name, double weight) {
    if (!Double.isFinite(weight) || weight < 0) {
      throw new IllegalArgumentException(
          "matcher " + name + " must be finite and >= 0, got " + weight);
    }
  }
}

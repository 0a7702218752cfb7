package jdetr.loss;

/**
 * What the set criterion supervises and how the terms are weighted. Defaults are the reference
 * command-line defaults: {@link #detr()} ({@code detr/main.py}) and {@link #deformableDetr()}
 * ({@code Deformable-DETR/main.py}).
 *
 * @param classLoss softmax cross entropy over C+1 logits, or sigmoid focal loss over C logits
 * @param ceWeight weight of {@code loss_ce} (DETR 1, Deformable DETR {@code --cls_loss_coef} 2)
 * @param bboxWeight weight of {@code loss_bbox} ({@code --bbox_loss_coef} 5)
 * @param giouWeight weight of {@code loss_giou} ({@code --giou_loss_coef} 2)
 * @param eosCoef cross-entropy weight of the no-object class ({@code --eos_coef} 0.1; softmax only)
 * @param auxLoss supervise every decoder layer, not only the last ({@code --no_aux_loss} turns off)
 * @param focalAlpha focal loss alpha ({@code --focal_alpha} 0.25; focal only, gamma is fixed at 2)
 * @param varifocal sigmoid models only: the IoU-aware {@link VarifocalLoss} replaces the focal
 *     {@code loss_ce} (not in the reference; off)
 */
public record CriterionConfig(
    ClassLoss classLoss,
    double ceWeight,
    double bboxWeight,
    double giouWeight,
    double eosCoef,
    boolean auxLoss,
    double focalAlpha,
    boolean varifocal) {

  public CriterionConfig {
    if (classLoss == null) {
      throw new IllegalArgumentException("classLoss must be set");
    }
    if (!(eosCoef > 0) || !(focalAlpha >= 0 && focalAlpha <= 1)) {
      throw new IllegalArgumentException(
          "eosCoef must be > 0 and focalAlpha in [0, 1], got " + eosCoef + " and " + focalAlpha);
    }
    if (varifocal && classLoss != ClassLoss.SIGMOID_FOCAL) {
      throw new IllegalArgumentException("loss.class_loss varifocal needs a sigmoid class head"
          + " (Deformable DETR), not " + classLoss);
    }
  }

  /** The focal or softmax class loss of {@code classLoss}, no varifocal loss. */
  public CriterionConfig(ClassLoss classLoss, double ceWeight, double bboxWeight,
      double giouWeight, double eosCoef, boolean auxLoss, double focalAlpha) {
    this(classLoss, ceWeight, bboxWeight, giouWeight, eosCoef, auxLoss, focalAlpha, false);
  }

  /** DETR: softmax CE, weights ce 1 / bbox 5 / giou 2, eos_coef 0.1, aux on. */
  public static CriterionConfig detr() {
    return new CriterionConfig(ClassLoss.SOFTMAX_CE, 1, 5, 2, 0.1, true, ClassLoss.FOCAL_ALPHA);
  }

  /** Deformable DETR: sigmoid focal (alpha 0.25, gamma 2), weights ce 2 / bbox 5 / giou 2, aux on. */
  public static CriterionConfig deformableDetr() {
    return new CriterionConfig(ClassLoss.SIGMOID_FOCAL, 2, 5, 2, 0.1, true, ClassLoss.FOCAL_ALPHA);
  }

  /** The reference defaults for a class loss: {@link #detr()} or {@link #deformableDetr()}. */
  public static CriterionConfig defaults(ClassLoss classLoss) {
    return classLoss == ClassLoss.SIGMOID_FOCAL ? deformableDetr() : detr();
  }

  /** The same configuration with auxiliary losses switched on or off. */
  public CriterionConfig withAuxLoss(boolean on) {
    return new CriterionConfig(classLoss, ceWeight, bboxWeight, giouWeight, eosCoef, on, focalAlpha,
        varifocal);
  }
}

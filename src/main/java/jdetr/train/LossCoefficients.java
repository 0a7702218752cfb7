package jdetr.train;

import jdetr.loss.ClassLoss;
import jdetr.loss.CriterionConfig;
import jdetr.matcher.MatcherConfig;

/**
 * The recipe's matcher costs and loss coefficients, under the reference's flag names
 * ({@code set_cost_class}, {@code set_cost_bbox}, {@code set_cost_giou}, {@code cls_loss_coef},
 * {@code bbox_loss_coef}, {@code giou_loss_coef}, {@code eos_coef}). Defaults: DETR's 1/5/2, 1/5/2,
 * 0.1; Deformable DETR's (sigmoid focal) class cost and class coefficient 2.
 *
 * @param setCostClass weight of the matcher's class cost
 * @param setCostBbox weight of the matcher's L1 box cost
 * @param setCostGiou weight of the matcher's GIoU cost
 * @param clsLossCoef weight of {@code loss_ce}
 * @param bboxLossCoef weight of {@code loss_bbox}
 * @param giouLossCoef weight of {@code loss_giou}
 * @param eosCoef cross-entropy weight of the no-object class (softmax only)
 * @param varifocal recipe {@code loss.class_loss}: {@code "varifocal"} (true) trains a sigmoid
 *     class head with the IoU-aware varifocal loss; {@code "default"} (false) keeps the
 *     architecture's own class loss
 */
public record LossCoefficients(double setCostClass, double setCostBbox, double setCostGiou,
    double clsLossCoef, double bboxLossCoef, double giouLossCoef, double eosCoef,
    boolean varifocal) {

  /** The recipe value of {@code loss.class_loss} for the architecture's own class loss. */
  public static final String DEFAULT_CLASS_LOSS = "default";
  /** The recipe value of {@code loss.class_loss} for the varifocal loss. */
  public static final String VARIFOCAL = "varifocal";

  /** DETR's {@code main.py} defaults. */
  public static final LossCoefficients DETR = new LossCoefficients(1, 5, 2, 1, 5, 2, 0.1);

  /** Deformable DETR's {@code main.py} defaults. */
  public static final LossCoefficients DEFORMABLE_DETR = new LossCoefficients(2, 5, 2, 2, 5, 2, 0.1);

  /** The architecture's own class loss. */
  public LossCoefficients(double setCostClass, double setCostBbox, double setCostGiou,
      double clsLossCoef, double bboxLossCoef, double giouLossCoef, double eosCoef) {
    this(setCostClass, setCostBbox, setCostGiou, clsLossCoef, bboxLossCoef, giouLossCoef, eosCoef,
        false);
  }

  public LossCoefficients {
    nonNegative("set_cost_class", setCostClass);
    nonNegative("set_cost_bbox", setCostBbox);
    nonNegative("set_cost_giou", setCostGiou);
    nonNegative("cls_loss_coef", clsLossCoef);
    nonNegative("bbox_loss_coef", bboxLossCoef);
    nonNegative("giou_loss_coef", giouLossCoef);
    if (!(eosCoef > 0) || !Double.isFinite(eosCoef)) {
      throw new IllegalArgumentException("recipe eos_coef: must be > 0, got " + eosCoef);
    }
    if (setCostClass == 0 && setCostBbox == 0 && setCostGiou == 0) {
      throw new IllegalArgumentException(
          "recipe set_cost_class, set_cost_bbox, set_cost_giou: all 0, nothing to match on");
    }
  }

  /** The defaults of a class loss: {@link #DETR} (softmax) or {@link #DEFORMABLE_DETR} (focal). */
  public static LossCoefficients defaults(ClassLoss classLoss) {
    return classLoss == ClassLoss.SIGMOID_FOCAL ? DEFORMABLE_DETR : DETR;
  }

  /** The Hungarian matcher's costs with {@code classLoss}'s class cost. */
  public MatcherConfig matcher(ClassLoss classLoss) {
    return new MatcherConfig(setCostClass, setCostBbox, setCostGiou, classLoss);
  }

  /** The set criterion's weights with {@code classLoss} and auxiliary losses on or off. */
  public CriterionConfig criterion(ClassLoss classLoss, boolean auxLoss) {
    CriterionConfig d = CriterionConfig.defaults(classLoss);
    return new CriterionConfig(classLoss, clsLossCoef, bboxLossCoef, giouLossCoef, eosCoef, auxLoss,
        d.focalAlpha(), varifocal);
  }

  /** {@code loss.class_loss} of a recipe: default or varifocal. */
  public static boolean varifocal(String classLoss) {
    return switch (classLoss) {
      case DEFAULT_CLASS_LOSS -> false;
      case VARIFOCAL -> true;
      default -> throw new IllegalArgumentException("recipe loss.class_loss: '" + classLoss
          + "' is not one of " + DEFAULT_CLASS_LOSS + ", " + VARIFOCAL);
    };
  }

  private static void nonNegative(String key, double v) {
    if (!(v >= 0) || !Double.isFinite(v)) {
      throw new IllegalArgumentException("recipe " + key + ": must be finite and >= 0, got " + v);
    }
  }
}

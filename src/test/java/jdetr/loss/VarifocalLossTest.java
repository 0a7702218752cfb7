package jdetr.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import jdetr.data.Target;
import org.junit.jupiter.api.Test;

/**
 * The varifocal class loss against VarifocalNet's equation written out on hand-made numbers:
 * {@code VFL(p, q) = -q (q log p + (1 - q) log(1 - p))} for q > 0 and
 * {@code -alpha p^gamma log(1 - p)} for q = 0, alpha 0.75, gamma 2, q the IoU of the matched box.
 */
class VarifocalLossTest {

  private static final double ALPHA = 0.75;
  private static final double GAMMA = 2.0;

  // one image, two queries, two classes; query 0 is matched to the target (class 1)
  private static final float[] LOGITS = {0.5f, 1.0f, -1.0f, 2.0f}; // [1, 2, 2]
  // target (0.5, 0.5, 0.4, 0.4) = xyxy (0.3, 0.3, 0.7, 0.7); prediction shifted 0.1 right:
  // intersection 0.3 x 0.4 = 0.12, union 0.16 + 0.16 - 0.12 = 0.20, IoU 0.6
  private static final float[] BOXES = {0.6f, 0.5f, 0.4f, 0.4f, 0.2f, 0.2f, 0.1f, 0.1f};
  private static final double IOU = 0.6;
  private static final List<Target> TARGETS =
      List.of(Target.of(new int[] {1}, new float[] {0.5f, 0.5f, 0.4f, 0.4f}));
  private static final List<Matching> MATCHING =
      List.of(new Matching(new int[] {0}, new int[] {0}));

  private static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  private static double negative(double x) {
    double p = sigmoid(x);
    return -ALPHA * Math.pow(p, GAMMA) * Math.log(1 - p);
  }

  private static double positive(double x, double q) {
    double p = sigmoid(x);
    return -q * (q * Math.log(p) + (1 - q) * Math.log(1 - p));
  }

  @Test
  void lossCeIsTheVarifocalEquationWithTheIouAsTarget() {
    double expected = negative(0.5) + positive(1.0, IOU) + negative(-1.0) + negative(2.0);
    SetCriterion criterion = new SetCriterion(varifocal(), 2);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray logits = m.create(LOGITS, new Shape(1, 2, 2));
      logits.setRequiresGradient(true);
      float ce;
      try (GradientCollector gc = m.getEngine().newGradientCollector()) {
        SetLosses losses = criterion.compute(
            List.of(new LayerPrediction(logits, m.create(BOXES, new Shape(1, 2, 4)))), TARGETS,
            List.of(MATCHING), new Normalisers(1, 1), 0);
        ce = losses.terms().get("loss_ce").getFloat();
        gc.backward(losses.terms().get("loss_ce"));
      }
      assertThat((double) ce).isCloseTo(expected, within(1e-5));
      // the focal loss of the same numbers differs: the switch really changes the term
      float focal = new SetCriterion(CriterionConfig.deformableDetr(), 2).compute(
          List.of(new LayerPrediction(m.create(LOGITS, new Shape(1, 2, 2)),
              m.create(BOXES, new Shape(1, 2, 4)))), TARGETS, List.of(MATCHING),
          new Normalisers(1, 1), 0).terms().get("loss_ce").getFloat();
      assertThat((double) focal).isNotCloseTo(expected, within(1e-2));

      // the weights are constants (p detached): d/dx = alpha p^gamma * p for a negative,
      // q (p - q) for the positive
      float[] grad = logits.getGradient().toFloatArray();
      double p0 = sigmoid(0.5);
      double p1 = sigmoid(1.0);
      assertThat((double) grad[0]).isCloseTo(ALPHA * p0 * p0 * p0, within(1e-6));
      assertThat((double) grad[1]).isCloseTo(IOU * (p1 - IOU), within(1e-6));
    }
  }

  @Test
  void theIouTargetOfAMatchedBox() {
    assertThat(VarifocalLoss.iou(new float[] {0.2f, 0.2f, 0.1f, 0.1f},
        new float[] {0.8f, 0.8f, 0.1f, 0.1f}, 0)).isEqualTo(0f);
    assertThat(VarifocalLoss.iou(BOXES, new float[] {0.5f, 0.5f, 0.4f, 0.4f}, 0))
        .isCloseTo((float) IOU, within(1e-6f));
  }

  @Test
  void onlySigmoidClassHeadsTakeIt() {
    assertThatThrownBy(() -> new CriterionConfig(ClassLoss.SOFTMAX_CE, 1, 5, 2, 0.1, true, 0.25,
        true)).hasMessageContaining("loss.class_loss varifocal");
  }

  private static CriterionConfig varifocal() {
    CriterionConfig d = CriterionConfig.deformableDetr();
    return new CriterionConfig(d.classLoss(), d.ceWeight(), d.bboxWeight(), d.giouWeight(),
        d.eosCoef(), d.auxLoss(), d.focalAlpha(), true);
  }
}

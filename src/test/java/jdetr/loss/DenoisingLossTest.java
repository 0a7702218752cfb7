package jdetr.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import jdetr.data.Target;
import org.junit.jupiter.api.Test;

/** The denoising terms: known matching, names, weights and normalisation by groups x targets. */
class DenoisingLossTest {

  private final SetCriterion criterion = new SetCriterion(CriterionConfig.deformableDetr(), 3);

  @Test
  void termsAreNamedWithDnAfterTheTermAndWeightedAsTheMatchingOnes() {
    assertThat(DenoisingLoss.named("loss_ce")).isEqualTo("loss_ce_dn");
    assertThat(DenoisingLoss.named("loss_giou_0")).isEqualTo("loss_giou_dn_0");
    DenoisingLoss loss = new DenoisingLoss(criterion, 3);
    assertThat(loss.weightDict(2)).containsExactly(
        java.util.Map.entry("loss_ce_dn", 2.0), java.util.Map.entry("loss_bbox_dn", 5.0),
        java.util.Map.entry("loss_giou_dn", 2.0), java.util.Map.entry("loss_ce_dn_0", 2.0),
        java.util.Map.entry("loss_bbox_dn_0", 5.0), java.util.Map.entry("loss_giou_dn_0", 2.0));
  }

  @Test
  void slotJOfEveryGroupReconstructsTargetJ() {
    DenoisingLoss loss = new DenoisingLoss(criterion, 2);
    Matching m = loss.knownMatching(2, 3);
    assertThat(m.queryIdx()).containsExactly(0, 1, 3, 4);
    assertThat(m.targetIdx()).containsExactly(0, 1, 2, 3);
    Target t = Target.of(new int[] {1, 2}, new float[] {.1f, .2f, .3f, .4f, .5f, .6f, .7f, .8f});
    Target r = loss.repeat(t);
    assertThat(r.labels()).containsExactly(1, 2, 1, 2);
    assertThat(r.boxes()).containsExactly(.1f, .2f, .3f, .4f, .5f, .6f, .7f, .8f,
        .1f, .2f, .3f, .4f, .5f, .6f, .7f, .8f);
  }

  @Test
  void boxTermsAreAveragedOverEveryGroupsTargets() {
    // one image, one target, 2 groups of 2 slots (slot 1 is padding): group 0 reconstructs the
    // box exactly, group 1 is off by 0.1 in cx -> L1 = 0.1 / (1 target x 2 groups)
    Target t = Target.of(new int[] {1}, new float[] {0.5f, 0.5f, 0.2f, 0.2f});
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      float[] boxes = {0.5f, 0.5f, 0.2f, 0.2f, 0.5f, 0.5f, 0.5f, 0.5f,
          0.6f, 0.5f, 0.2f, 0.2f, 0.5f, 0.5f, 0.5f, 0.5f}; // [1, 4, 4]
      LayerPrediction p = new LayerPrediction(m.zeros(new Shape(1, 4, 3)),
          m.create(boxes, new Shape(1, 4, 4)));
      SetLosses losses = new DenoisingLoss(criterion, 2).compute(List.of(p), List.of(t), 2,
          new Normalisers(1, 1), 0);
      assertThat(losses.terms().keySet()).containsExactly("loss_ce_dn", "loss_bbox_dn",
          "loss_giou_dn");
      assertThat(losses.terms().get("loss_bbox_dn").getFloat()).isCloseTo(0.05f, within(1e-6f));
      // GIoU of the shifted box: intersection 0.1 x 0.2, union 0.06, enclosing = union
      float giou = 0.02f / 0.06f;
      assertThat(losses.terms().get("loss_giou_dn").getFloat())
          .isCloseTo((1 - giou) / 2, within(1e-6f));
      // focal loss of zero logits: the target query of each group is a positive, every other
      // (class, query) a negative, divided by 2 boxes
      double p0 = 0.5;
      double pos = 0.25 * Math.pow(1 - p0, 2) * -Math.log(p0);
      double neg = 0.75 * Math.pow(p0, 2) * -Math.log(1 - p0);
      double expected = (2 * pos + (4 * 3 - 2) * neg) / 2;
      assertThat((double) losses.terms().get("loss_ce_dn").getFloat())
          .isCloseTo(expected, within(1e-6));
      assertThat(losses.logged()).isEmpty();
    }
  }

  @Test
  void contrastiveNegativesTakeNoBoxLossAndLearnNoObject() {
    // one image, one target, 1 contrastive group of 2 slots: the positive reconstructs the box
    // exactly, the negative is far off; only the positive is matched
    Target t = Target.of(new int[] {1}, new float[] {0.5f, 0.5f, 0.2f, 0.2f});
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      float[] boxes = {0.5f, 0.5f, 0.2f, 0.2f, 0.9f, 0.9f, 0.1f, 0.1f}; // [1, 2, 4]
      LayerPrediction p = new LayerPrediction(m.zeros(new Shape(1, 2, 3)),
          m.create(boxes, new Shape(1, 2, 4)));
      SetLosses losses = new DenoisingLoss(criterion, 1).compute(List.of(p), List.of(t), 2,
          new Normalisers(1, 1), 0);
      assertThat(losses.terms().get("loss_bbox_dn").getFloat()).isEqualTo(0f);
      assertThat(losses.terms().get("loss_giou_dn").getFloat()).isCloseTo(0f, within(1e-6f));
      // focal loss of zero logits: class 1 of the positive is the one positive element; the
      // negative query's three classes are negatives like the positive's other two
      double p0 = 0.5;
      double pos = 0.25 * Math.pow(1 - p0, 2) * -Math.log(p0);
      double neg = 0.75 * Math.pow(p0, 2) * -Math.log(1 - p0);
      assertThat((double) losses.terms().get("loss_ce_dn").getFloat())
          .isCloseTo(pos + 5 * neg, within(1e-6));
    }
  }
}

package jdetr.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import jdetr.data.Target;
import org.junit.jupiter.api.Test;

/**
 * The mask losses inside the set criterion (last layer only, weighted), split into micro-batches,
 * and on degenerate inputs. Their values against the reference: DETRsegmParityTest.
 */
class MaskLossesTest {

  private static final int Q = 3;
  private static final int C = 2;

  /** Image 0: two targets on 20x24; image 1: one target on 16x30. */
  private static List<NDArray> masks(NDManager m) {
    Random r = new Random(5);
    List<NDArray> out = new ArrayList<>();
    int[][] shapes = {{2, 20, 24}, {1, 16, 30}};
    for (int[] s : shapes) {
      boolean[] bits = new boolean[s[0] * s[1] * s[2]];
      for (int i = 0; i < bits.length; i++) {
        bits[i] = r.nextFloat() < 0.3f;
      }
      out.add(m.create(bits, new Shape(s[0], s[1], s[2])));
    }
    return out;
  }

  private static final List<Target> TARGETS = List.of(
      Target.of(new int[] {0, 1}, new float[] {0.3f, 0.3f, 0.2f, 0.2f, 0.6f, 0.5f, 0.3f, 0.4f}),
      Target.of(new int[] {1}, new float[] {0.5f, 0.5f, 0.4f, 0.4f}));
  private static final List<Matching> MATCHING = List.of(
      new Matching(new int[] {2, 0}, new int[] {1, 0}), new Matching(new int[] {1}, new int[] {0}));

  private static NDArray pred(NDManager m) {
    NDArray p = m.randomNormal(0f, 2f, new Shape(2, Q, 5, 6), ai.djl.ndarray.types.DataType.FLOAT32);
    p.setRequiresGradient(true);
    return p;
  }

  @Test
  void theCriterionAddsWeightedMaskTermsForTheLastLayerOnly() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      m.getEngine().setRandomSeed(1);
      List<LayerPrediction> layers = new ArrayList<>();
      for (int l = 0; l < 2; l++) {
        layers.add(new LayerPrediction(m.randomNormal(new Shape(2, Q, C + 1)),
            m.randomUniform(0.1f, 0.9f, new Shape(2, Q, 4))));
      }
      NDArray pred = pred(m);
      MaskTargets targets = MaskTargets.of(masks(m));
      List<List<Matching>> matchings = List.of(MATCHING, MATCHING);
      Normalisers norm = Normalisers.of(TARGETS, Q, 0.1);
      MaskLosses weights = new MaskLosses(2, 3);
      SetCriterion plain = new SetCriterion(CriterionConfig.detr(), C);
      SetCriterion withMasks = new SetCriterion(CriterionConfig.detr(), C, weights);

      assertThat(withMasks.weightDict(2)).containsEntry("loss_mask", 2.0).containsEntry("loss_dice", 3.0)
          .doesNotContainKeys("loss_mask_0", "loss_dice_0");
      SetLosses boxes = plain.compute(layers, TARGETS, matchings, norm, 0);
      SetLosses all = withMasks.compute(layers, TARGETS, matchings, norm, 0, null,
          new SetCriterion.MaskPrediction(pred, targets));
      assertThat(all.terms().keySet()).containsSubsequence("loss_giou", "loss_mask", "loss_dice",
          "loss_ce_0").doesNotContain("loss_mask_0", "loss_dice_0");
      Map<String, NDArray> direct = weights.compute(pred, targets, MATCHING, norm.numBoxes());
      float mask = direct.get("loss_mask").getFloat();
      float dice = direct.get("loss_dice").getFloat();
      assertThat(all.values().get("loss_mask")).isEqualTo(mask);
      assertThat(all.values().get("loss_dice")).isEqualTo(dice);
      assertThat((double) all.totalValue())
          .isCloseTo(boxes.totalValue() + 2.0 * mask + 3.0 * dice, within(1e-5));
      assertThat(mask).isPositive();
      assertThat(dice).isBetween(0f, 3f);

      assertThatThrownBy(() -> withMasks.compute(layers, TARGETS, matchings, norm, 0))
          .hasMessageContaining("no pred_masks / target masks");
      assertThatThrownBy(() -> withMasks.compute(layers, TARGETS, matchings, norm, 0, null,
          new SetCriterion.MaskPrediction(pred, MaskTargets.of(List.of(masks(m).get(1),
              masks(m).get(0)))))).hasMessageContaining("image 0").hasMessageContaining("1 target masks for 2");
      assertThatThrownBy(() -> plain.compute(layers, TARGETS, matchings, norm, 0, null,
          new SetCriterion.MaskPrediction(pred, targets)))
          .hasMessageContaining("without mask losses");
    }
  }

  /** Each part pads to the step's size and divides by the step's num_boxes: the parts add up. */
  @Test
  void microBatchesWithTheStepsPaddingAndNormaliserAddUpToTheFullBatch() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      m.getEngine().setRandomSeed(2);
      NDArray full = pred(m);
      MaskTargets step = MaskTargets.of(masks(m));
      assertThat(step.slice(1, 2).paddedHeight()).isEqualTo(20); // not its own 16
      assertThat(step.slice(0, 1).paddedWidth()).isEqualTo(30); // not its own 24
      double numBoxes = 3;
      float[] fullLoss = new float[2];
      float[] partLoss = new float[2];
      NDArray gradFull;
      try (GradientCollector gc = m.getEngine().newGradientCollector()) {
        Map<String, NDArray> l = MaskLosses.defaults().compute(full, step, MATCHING, numBoxes);
        fullLoss[0] = l.get("loss_mask").getFloat();
        fullLoss[1] = l.get("loss_dice").getFloat();
        gc.backward(l.get("loss_mask").add(l.get("loss_dice")));
      }
      gradFull = full.getGradient().duplicate();
      List<NDArray> partGrads = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        NDArray part = full.get(i + ":" + (i + 1)).duplicate();
        part.setRequiresGradient(true);
        try (GradientCollector gc = m.getEngine().newGradientCollector()) {
          Map<String, NDArray> l = MaskLosses.defaults().compute(part, step.slice(i, i + 1),
              MATCHING.subList(i, i + 1), numBoxes);
          partLoss[0] += l.get("loss_mask").getFloat();
          partLoss[1] += l.get("loss_dice").getFloat();
          gc.backward(l.get("loss_mask").add(l.get("loss_dice")));
        }
        partGrads.add(part.getGradient());
      }
      assertThat((double) partLoss[0]).isCloseTo(fullLoss[0], within(1e-6));
      assertThat((double) partLoss[1]).isCloseTo(fullLoss[1], within(1e-6));
      NDArray joined = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(partGrads), 0);
      assertThat(joined.sub(gradFull).abs().max().getFloat()).isLessThan(1e-7f);
    }
  }

  @Test
  void nothingMatchedGivesZeroLossesAndAZeroGradient() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray p = pred(m);
      MaskTargets none = MaskTargets.of(List.of(m.create(new boolean[0], new Shape(0, 8, 9)),
          m.create(new boolean[0], new Shape(0, 7, 7))));
      try (GradientCollector gc = m.getEngine().newGradientCollector()) {
        Map<String, NDArray> l = MaskLosses.defaults().compute(p, none,
            List.of(Matching.empty(), Matching.empty()), 1);
        assertThat(l.get("loss_mask").getFloat()).isZero();
        assertThat(l.get("loss_dice").getFloat()).isZero();
        gc.backward(l.get("loss_mask").add(l.get("loss_dice")));
      }
      assertThat(p.getGradient().abs().max().getFloat()).isZero();
    }
  }

  @Test
  void badInputsAreRejectedByName() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray p = pred(m);
      MaskTargets targets = MaskTargets.of(masks(m));
      List<Matching> tooFar = List.of(MATCHING.get(0), new Matching(new int[] {1}, new int[] {1}));
      assertThatThrownBy(() -> MaskLosses.defaults().compute(p, targets, tooFar, 3))
          .hasMessageContaining("image 1").hasMessageContaining("target 1 of 1 masks");
      assertThatThrownBy(() -> MaskLosses.defaults().compute(p, targets.slice(0, 1), MATCHING, 3))
          .hasMessageContaining("B = 1");
      assertThatThrownBy(() -> MaskTargets.of(List.of(m.zeros(new Shape(4, 4)))))
          .hasMessageContaining("[N, H, W]");
    }
  }
}

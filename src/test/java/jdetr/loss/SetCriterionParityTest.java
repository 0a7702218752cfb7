package jdetr.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdetr.autograd.CollectedJavaMemory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Our SetCriterion on the reference's recorded outputs and matchings equals the reference. */
class SetCriterionParityTest {

  static final double TOL = 1e-5;

  @ParameterizedTest
  @ValueSource(strings = {"detr_ce", "detr_ce_empty", "ddetr_focal"})
  void lossesAndGradientsEqualTheReference(String name) {
    check(name, false);
  }

  /**
   * Training collects garbage between forward and backward at any time: the gradients must not depend
   * on it (nothing the graph keeps may be memory that only a closed NDArray kept alive).
   */
  @ParameterizedTest
  @ValueSource(strings = {"detr_ce", "detr_ce_empty", "ddetr_focal"})
  void gradientsEqualTheReferenceWhenMemoryIsCollectedBeforeBackward(String name) {
    check(name, true);
  }

  static void check(String name, boolean collectBeforeBackward) {
    CriterionFixture f = CriterionFixture.load(name);
    SetCriterion criterion = new SetCriterion(f.config(), f.numClasses);

    Map<String, Double> expectedWeights = new LinkedHashMap<>(f.weightDict);
    expectedWeights.keySet().removeIf(k -> k.endsWith("_enc")); // two-stage only
    assertThat(criterion.weightDict(f.layers)).isEqualTo(expectedWeights);

    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      List<LayerPrediction> layers = new ArrayList<>();
      for (int l = 0; l < f.layers; l++) {
        NDArray logits = f.logits(m, l);
        NDArray boxes = f.boxes(m, l);
        logits.setRequiresGradient(true);
        boxes.setRequiresGradient(true);
        layers.add(new LayerPrediction(logits, boxes));
      }
      Map<String, Float> ours;
      float total;
      try (GradientCollector gc = m.getEngine().newGradientCollector()) {
        SetLosses losses = criterion.compute(layers, f.targets, f.matchings, 7);
        ours = losses.values();
        total = losses.totalValue();
        try (CollectedJavaMemory c =
            collectBeforeBackward ? CollectedJavaMemory.collectAndOverwrite() : null) {
          gc.backward(losses.total());
        }
      }

      assertThat(ours.keySet()).containsExactlyInAnyOrderElementsOf(f.losses.keySet());
      double maxTerm = 0;
      for (Map.Entry<String, Double> e : f.losses.entrySet()) {
        double d = Math.abs(ours.get(e.getKey()) - e.getValue());
        maxTerm = Math.max(maxTerm, d);
        assertThat((double) ours.get(e.getKey())).as(name + " " + e.getKey()).isCloseTo(e.getValue(), within(TOL));
      }
      assertThat((double) total).as(name + " total").isCloseTo(f.total, within(TOL));

      double maxGradLogits = 0;
      double maxGradBoxes = 0;
      for (int l = 0; l < f.layers; l++) {
        maxGradLogits = Math.max(maxGradLogits,
            maxAbsDiff(layers.get(l).logits().getGradient().toFloatArray(), f.gradLogits.get(l)));
        maxGradBoxes = Math.max(maxGradBoxes,
            maxAbsDiff(layers.get(l).boxes().getGradient().toFloatArray(), f.gradBoxes.get(l)));
      }
      System.out.printf(
          "parity %s%s: max |loss term diff| %.3g, |total diff| %.3g, max |dL/dlogits diff| %.3g,"
              + " max |dL/dboxes diff| %.3g%n",
          name, collectBeforeBackward ? " (collected before backward)" : "", maxTerm,
          Math.abs(total - f.total), maxGradLogits, maxGradBoxes);
      assertThat(maxGradLogits).as(name + " dL/dlogits").isLessThanOrEqualTo(TOL);
      assertThat(maxGradBoxes).as(name + " dL/dboxes").isLessThanOrEqualTo(TOL);
    }
  }

  static double maxAbsDiff(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs((double) a[i] - b[i]));
    }
    return max;
  }
}

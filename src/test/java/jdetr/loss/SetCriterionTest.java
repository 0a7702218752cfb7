package jdetr.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import jdetr.autograd.CollectedJavaMemory;
import jdetr.data.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SetCriterionTest {

  /** Loss terms and gradients of one batch (or micro-batch) of a fixture. */
  record Run(Map<String, Float> values, float total, List<float[]> gradLogits, List<float[]> gradBoxes) {}

  /**
   * Runs the criterion on images [from, to) of a fixture, with the given normalisers, collecting
   * garbage between forward and backward (as training may at any time).
   */
  static Run run(CriterionFixture f, int from, int to, Normalisers norm) {
    int k = f.logitDim();
    int q = f.queries;
    int n = to - from;
    SetCriterion criterion = new SetCriterion(f.config(), f.numClasses);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      List<LayerPrediction> layers = new ArrayList<>();
      List<List<Matching>> matchings = new ArrayList<>();
      for (int l = 0; l < f.layers; l++) {
        NDArray logits = m.create(
            Arrays.copyOfRange(f.logits.get(l), from * q * k, to * q * k), new Shape(n, q, k));
        NDArray boxes = m.create(
            Arrays.copyOfRange(f.boxes.get(l), from * q * 4, to * q * 4), new Shape(n, q, 4));
        logits.setRequiresGradient(true);
        boxes.setRequiresGradient(true);
        layers.add(new LayerPrediction(logits, boxes));
        matchings.add(f.matchings.get(l).subList(from, to));
      }
      SetLosses losses;
      try (GradientCollector gc = m.getEngine().newGradientCollector()) {
        losses = criterion.compute(layers, f.targets.subList(from, to), matchings, norm, 0);
        try (CollectedJavaMemory c = CollectedJavaMemory.collectAndOverwrite()) {
          gc.backward(losses.total());
        }
      }
      List<float[]> gl = new ArrayList<>();
      List<float[]> gb = new ArrayList<>();
      for (LayerPrediction p : layers) {
        gl.add(p.logits().getGradient().toFloatArray());
        gb.add(p.boxes().getGradient().toFloatArray());
      }
      return new Run(losses.values(), losses.totalValue(), gl, gb);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"detr_ce", "ddetr_focal"})
  void microBatchLossesWithStepNormalisersAddUpToTheFullBatch(String name) {
    CriterionFixture f = CriterionFixture.load(name);
    Normalisers step = Normalisers.of(f.targets, f.queries, f.config().eosCoef());
    Run full = run(f, 0, f.batch, step);
    int split = f.batch / 2;
    Run first = run(f, 0, split, step);
    Run second = run(f, split, f.batch, step);

    assertThat(first.total() + second.total()).isCloseTo(full.total(), within(1e-5f));
    for (String term : full.values().keySet()) {
      if (term.startsWith("loss_")) {
        assertThat(first.values().get(term) + second.values().get(term))
            .as(term)
            .isCloseTo(full.values().get(term), within(1e-5f));
      }
    }
    // gradients of the micro-batches are the slices of the full-batch gradient
    for (int l = 0; l < f.layers; l++) {
      float[] logits = concat(first.gradLogits().get(l), second.gradLogits().get(l));
      float[] boxes = concat(first.gradBoxes().get(l), second.gradBoxes().get(l));
      assertThat(logits).containsExactly(full.gradLogits().get(l), within(1e-7f));
      assertThat(boxes).containsExactly(full.gradBoxes().get(l), within(1e-7f));
    }
    // and the full batch with step normalisers is the reference's loss
    assertThat((double) full.total()).isCloseTo(f.total, within(1e-5));

    // normalising each micro-batch by its own targets does not add up (what the step normalisers fix)
    Run ownFirst = run(f, 0, split, Normalisers.of(f.targets.subList(0, split), f.queries, 0.1));
    Run ownSecond = run(f, split, f.batch, Normalisers.of(f.targets.subList(split, f.batch), f.queries, 0.1));
    assertThat(Math.abs(ownFirst.total() + ownSecond.total() - full.total())).isGreaterThan(1e-2f);
  }

  @Test
  void nonFiniteTotalNamesTheStepAndEveryTerm() {
    CriterionFixture f = CriterionFixture.load("detr_ce");
    float[] logits = f.logits.get(f.layers - 1).clone();
    logits[3] = Float.NaN;
    SetCriterion criterion = new SetCriterion(f.config().withAuxLoss(false), f.numClasses);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      List<LayerPrediction> layers = List.of(new LayerPrediction(
          m.create(logits, new Shape(f.batch, f.queries, f.logitDim())), f.boxes(m, f.layers - 1)));
      assertThatThrownBy(() -> criterion.compute(layers, f.targets, List.of(f.matchings.get(f.layers - 1)), 1234))
          .isInstanceOfSatisfying(NonFiniteLossException.class, e -> {
            assertThat(e.step()).isEqualTo(1234);
            assertThat(e.terms()).containsKeys("loss_ce", "loss_bbox", "loss_giou", "class_error");
            assertThat(e.terms().get("loss_ce")).isNaN();
          })
          .hasMessageContaining("step 1234")
          .hasMessageContaining("loss_ce=NaN")
          .hasMessageContaining("loss_bbox=0.439")
          .hasMessageContaining("cardinality_error=");
    }
  }

  @Test
  void withoutAuxLossOnlyTheLastLayerIsSupervised() {
    CriterionFixture f = CriterionFixture.load("detr_ce");
    SetCriterion criterion = new SetCriterion(CriterionConfig.detr().withAuxLoss(false), f.numClasses);
    assertThat(criterion.weightDict(6)).containsOnlyKeys("loss_ce", "loss_bbox", "loss_giou");
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      List<LayerPrediction> layers = new ArrayList<>();
      for (int l = 0; l < f.layers; l++) {
        layers.add(new LayerPrediction(f.logits(m, l), f.boxes(m, l)));
      }
      SetLosses losses = criterion.compute(layers, f.targets, f.matchings, 0);
      assertThat(losses.terms()).containsOnlyKeys("loss_ce", "loss_bbox", "loss_giou");
      double expected = f.losses.get("loss_ce") + 5 * f.losses.get("loss_bbox") + 2 * f.losses.get("loss_giou");
      assertThat((double) losses.totalValue()).isCloseTo(expected, within(1e-5));
    }
  }

  @Test
  void degeneratePredictedBoxesGiveAFiniteLossAndGradient() {
    int q = 4;
    Target target = Target.of(new int[] {1, 0}, new float[] {0.5f, 0.5f, 0.2f, 0.3f, 0.2f, 0.2f, 0.1f, 0.1f});
    float[] boxes = new float[q * 4]; // every predicted box is the point (0, 0)
    SetCriterion criterion = new SetCriterion(CriterionConfig.detr().withAuxLoss(false), 3);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray logits = m.zeros(new Shape(1, q, 4));
      NDArray b = m.create(boxes, new Shape(1, q, 4));
      b.setRequiresGradient(true);
      try (GradientCollector gc = m.getEngine().newGradientCollector()) {
        SetLosses losses = criterion.compute(List.of(new LayerPrediction(logits, b)), List.of(target),
            List.of(List.of(new Matching(new int[] {0, 3}, new int[] {1, 0}))), 0);
        assertThat(Float.isFinite(losses.totalValue())).isTrue();
        gc.backward(losses.total());
      }
      for (float g : b.getGradient().toFloatArray()) {
        assertThat(Float.isFinite(g)).isTrue();
      }
    }
  }

  @Test
  void badInputsAreRejectedByName() {
    CriterionFixture f = CriterionFixture.load("detr_ce");
    SetCriterion criterion = new SetCriterion(f.config().withAuxLoss(false), f.numClasses);
    int last = f.layers - 1;
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      List<LayerPrediction> layers = List.of(new LayerPrediction(f.logits(m, last), f.boxes(m, last)));
      List<Matching> ok = f.matchings.get(last);

      List<Target> badLabel = new ArrayList<>(f.targets);
      Target t0 = f.targets.get(0);
      int[] labels = t0.labels().clone();
      labels[0] = f.numClasses; // the no-object index is not a class
      badLabel.set(0, Target.of(labels, t0.boxes()));
      assertThatThrownBy(() -> criterion.compute(layers, badLabel, List.of(ok), 0))
          .hasMessageContaining("image 0").hasMessageContaining("label " + f.numClasses);

      List<Matching> missing = new ArrayList<>(ok);
      missing.set(2, Matching.empty());
      assertThatThrownBy(() -> criterion.compute(layers, f.targets, List.of(missing), 0))
          .hasMessageContaining("layer 0, image 2").hasMessageContaining("every target must be matched");

      List<Matching> repeated = new ArrayList<>(ok);
      repeated.set(0, new Matching(new int[] {1, 1, 2}, new int[] {0, 1, 2}));
      assertThatThrownBy(() -> criterion.compute(layers, f.targets, List.of(repeated), 0))
          .hasMessageContaining("query 1").hasMessageContaining("repeated");

      SetCriterion focal = new SetCriterion(CriterionConfig.deformableDetr().withAuxLoss(false), f.numClasses);
      assertThatThrownBy(() -> focal.compute(layers, f.targets, List.of(ok), 0))
          .hasMessageContaining("logits must be [4, Q, 7] for SIGMOID_FOCAL");
      assertThatThrownBy(() -> criterion.compute(layers, f.targets, f.matchings, 0))
          .hasMessageContaining("1 decoder layers of predictions but 6 layers of matchings");
    }
  }

  @Test
  void normalisersCountBoxesAndClassWeights() {
    Target three = Target.of(new int[] {0, 1, 2}, new float[12]);
    Target none = Target.of(new int[0], new float[0]);
    Normalisers n = Normalisers.of(List.of(three, none), 10, 0.1);
    assertThat(n.numBoxes()).isEqualTo(3);
    assertThat(n.ceWeightSum()).isCloseTo(3 + 0.1 * 17, within(1e-12));
    assertThat(Normalisers.of(List.of(none), 10, 0.1).numBoxes()).isEqualTo(1);
    assertThatThrownBy(() -> Normalisers.of(List.of(three), 2, 0.1)).hasMessageContaining("only 2 queries");
  }

  static float[] concat(float[] a, float[] b) {
    float[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}

package jdetr.matcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import jdetr.data.Target;
import jdetr.loss.ClassLoss;
import jdetr.loss.Matching;
import org.junit.jupiter.api.Test;

class HungarianMatcherTest {

  private final HungarianMatcher detr = new HungarianMatcher(MatcherConfig.DETR);
  private final HungarianMatcher deformable = new HungarianMatcher(MatcherConfig.DEFORMABLE_DETR);

  /** Three queries; query 2 sits on target 0 and says class 1, query 0 sits on target 1 (class 0). */
  private static MatchInput obvious(int classes) {
    float[] logits = new float[3 * classes];
    logits[2 * classes + 1] = 6;
    logits[0 * classes + 0] = 6;
    float[] boxes = {0.7f, 0.7f, 0.2f, 0.2f, 0.5f, 0.5f, 0.9f, 0.9f, 0.2f, 0.2f, 0.1f, 0.1f};
    return new MatchInput(logits, boxes, new int[] {1, 0},
        new float[] {0.2f, 0.2f, 0.1f, 0.1f, 0.7f, 0.7f, 0.2f, 0.2f});
  }

  @Test
  void matchesTheObviousPairsWithBothClassCosts() {
    for (HungarianMatcher m : List.of(detr, deformable)) {
      Matching matching = m.match(obvious(m == detr ? 4 : 3));
      assertThat(matching.queryIdx()).containsExactly(0, 2);
      assertThat(matching.targetIdx()).containsExactly(1, 0);
    }
  }

  @Test
  void costFollowsTheFormula() {
    MatchInput unit = obvious(4);
    float[] c = detr.cost(unit); // [3, 2]
    // query 2 vs target 0: identical boxes -> L1 0, GIoU 1; class cost -softmax(...)[1]
    double sum = 3 + Math.exp(6);
    assertThat(c[2 * 2 + 0]).isCloseTo((float) (-Math.exp(6) / sum - 2), within(1e-6f));
    // query 1 vs target 1: L1 = 0.2 + 0.2 + 0.7 + 0.7 = 1.8; GIoU of [0.05,0.05,0.95,0.95] vs [0.6,0.6,0.8,0.8]
    double giou = 0.04 / 0.81; // nested boxes: enclosing = union
    assertThat(c[1 * 2 + 1]).isCloseTo((float) (5 * 1.8 - 0.25 - 2 * giou), within(1e-5f));

    float[] f = deformable.cost(obvious(3));
    double p = 0.5; // logit 0 for query 1, class 0
    double focal = 0.25 * Math.pow(1 - p, 2) * -Math.log(p + 1e-8)
        - 0.75 * Math.pow(p, 2) * -Math.log(1 - p + 1e-8);
    assertThat(f[1 * 2 + 1]).isCloseTo((float) (5 * 1.8 + 2 * focal - 2 * giou), within(1e-5f));
  }

  @Test
  void noTargetsGiveAnEmptyMatching() {
    MatchInput unit = new MatchInput(new float[6], new float[8], new int[0], new float[0]);
    assertThat(detr.match(unit).size()).isZero();
    assertThat(detr.cost(unit)).isEmpty();
  }

  @Test
  void moreTargetsThanQueriesIsAnError() {
    MatchInput unit = new MatchInput(new float[2], new float[] {.5f, .5f, .1f, .1f},
        new int[] {0, 1}, new float[] {.5f, .5f, .1f, .1f, .4f, .4f, .1f, .1f});
    assertThatThrownBy(() -> detr.match(unit)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 targets but only 1 queries");
  }

  @Test
  void degeneratePredictedBoxesStayFinite() {
    // Zero-size predictions (a saturated sigmoid) and a zero-size query on a target's centre.
    float[] boxes = {0.5f, 0.5f, 0f, 0f, 0.2f, 0.2f, 0f, 0.3f, 0.8f, 0.8f, 0.1f, 0f};
    MatchInput unit = new MatchInput(new float[3 * 2], boxes, new int[] {0, 1},
        new float[] {0.5f, 0.5f, 0.2f, 0.2f, 0.2f, 0.2f, 0.1f, 0.3f});
    for (float v : detr.cost(unit)) {
      assertThat(v).isFinite();
    }
    assertThat(detr.match(unit).size()).isEqualTo(2);
  }

  @Test
  void nonFiniteOutputsAreNamed() {
    MatchInput unit = obvious(4);
    unit.boxes()[4] = Float.NaN; // query 1
    assertThatThrownBy(() -> detr.match(unit)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("non-finite cost at [1,0]");
    assertThatThrownBy(() -> detr.matchAll(List.of(obvious(4), unit)))
        .hasMessageStartingWith("matching unit 1: non-finite cost at [1,0]");
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      assertThatThrownBy(() -> detr.matchAll(List.of(obvious(4), unit, unit), pool))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("matching unit 1:");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void parallelBatchMatchingKeepsTheOrderAndTheResult() {
    Random rnd = new Random(9);
    List<MatchInput> units = new ArrayList<>();
    for (int k = 0; k < 60; k++) {
      units.add(randomUnit(rnd, 20, 8, rnd.nextInt(12)));
    }
    List<Matching> sequential = detr.matchAll(units);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      for (int rerun = 0; rerun < 5; rerun++) {
        List<Matching> parallel = detr.matchAll(units, pool);
        for (int k = 0; k < units.size(); k++) {
          assertThat(parallel.get(k).queryIdx()).containsExactly(sequential.get(k).queryIdx());
          assertThat(parallel.get(k).targetIdx()).containsExactly(sequential.get(k).targetIdx());
          assertThat(parallel.get(k).size()).isEqualTo(units.get(k).numTargets());
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void matchesEveryLayerOfABatchInTheCriterionsShape() {
    Random rnd = new Random(4);
    int layers = 3;
    int queries = 10;
    int classes = 5;
    List<Target> targets = new ArrayList<>();
    List<MatchInput> reference = new ArrayList<>();
    float[] logits = new float[layers * 2 * queries * classes]; // [L, B, Q, K]
    float[] boxes = new float[layers * 2 * queries * 4]; // [L, B, Q, 4]
    for (int image = 0; image < 2; image++) {
      MatchInput u = randomUnit(rnd, queries, classes, image == 0 ? 0 : 4);
      targets.add(Target.of(u.labels(), u.targetBoxes()));
    }
    for (int layer = 0; layer < layers; layer++) {
      for (int image = 0; image < 2; image++) {
        MatchInput u = randomUnit(rnd, queries, classes, 0);
        int unit = layer * 2 + image;
        System.arraycopy(u.logits(), 0, logits, unit * queries * classes, queries * classes);
        System.arraycopy(u.boxes(), 0, boxes, unit * queries * 4, queries * 4);
        Target t = targets.get(image);
        reference.add(new MatchInput(u.logits(), u.boxes(), t.labels(), t.boxes()));
      }
    }
    List<MatchInput> units = MatchInput.ofLayers(logits, boxes, layers, queries, classes, targets);
    List<List<Matching>> byLayer = HungarianMatcher.byLayer(detr.matchAll(units), 2);

    assertThat(byLayer).hasSize(layers).allSatisfy(l -> assertThat(l).hasSize(2));
    for (int layer = 0; layer < layers; layer++) {
      assertThat(byLayer.get(layer).get(0).size()).isZero();
      assertThat(byLayer.get(layer).get(1)).isEqualTo(detr.match(reference.get(layer * 2 + 1)));
      assertThat(byLayer.get(layer).get(1).size()).isEqualTo(4);
    }
    assertThatThrownBy(() -> MatchInput.ofLayers(logits, boxes, 2, queries, classes, targets))
        .hasMessageContaining("expected [2, 2, 10, 5] logits");
    assertThatThrownBy(() -> HungarianMatcher.byLayer(detr.matchAll(units), 4))
        .hasMessageContaining("6 matchings do not split into layers of 4 images");
  }

  @Test
  void inputsAreValidated() {
    assertThatThrownBy(() -> new MatchInput(new float[6], new float[8], new int[] {3},
        new float[4])).hasMessageContaining("target 0 has label 3, outside the 3 class logits");
    assertThatThrownBy(() -> new MatchInput(new float[5], new float[8], new int[0], new float[0]))
        .hasMessageContaining("logits has 5 values");
    assertThatThrownBy(() -> new MatchInput(new float[6], new float[7], new int[0], new float[0]))
        .hasMessageContaining("boxes has 7 values");
    assertThatThrownBy(() -> new MatchInput(new float[6], new float[8], new int[] {0},
        new float[3])).hasMessageContaining("targetBoxes has 3 values");
    assertThatThrownBy(() -> MatchInput.slice(new float[12], new float[8], 2, 2, 3, new int[0],
        new float[0])).hasMessageContaining("unit 2");
  }

  @Test
  void sliceCopiesOneUnitOutOfABatch() {
    float[] logits = new float[2 * 3 * 2]; // [B=2, Q=3, K=2]
    float[] boxes = new float[2 * 3 * 4]; // [B=2, Q=3, 4]
    for (int k = 0; k < logits.length; k++) {
      logits[k] = k;
    }
    MatchInput unit = MatchInput.slice(logits, boxes, 1, 3, 2, new int[] {1}, new float[4]);
    assertThat(unit.logits()).containsExactly(6, 7, 8, 9, 10, 11);
    assertThat(unit.numQueries()).isEqualTo(3);
    assertThat(unit.numClasses()).isEqualTo(2);
  }

  @Test
  void configHasTheReferenceDefaultsAndRejectsNonsense() {
    assertThat(MatcherConfig.DETR).isEqualTo(new MatcherConfig(1, 5, 2, ClassLoss.SOFTMAX_CE));
    assertThat(MatcherConfig.defaults(ClassLoss.SIGMOID_FOCAL))
        .isEqualTo(new MatcherConfig(2, 5, 2, ClassLoss.SIGMOID_FOCAL));
    assertThatThrownBy(() -> new MatcherConfig(0, 0, 0, ClassLoss.SOFTMAX_CE))
        .hasMessageContaining("all 0");
    assertThatThrownBy(() -> new MatcherConfig(1, Double.NaN, 2, ClassLoss.SOFTMAX_CE))
        .hasMessageContaining("costBbox");
    assertThatThrownBy(() -> new MatcherConfig(-1, 5, 2, ClassLoss.SOFTMAX_CE))
        .hasMessageContaining("costClass");
  }

  static MatchInput randomUnit(Random rnd, int queries, int classes, int targets) {
    float[] logits = new float[queries * classes];
    for (int k = 0; k < logits.length; k++) {
      logits[k] = (float) rnd.nextGaussian();
    }
    float[] boxes = new float[queries * 4];
    for (int k = 0; k < boxes.length; k++) {
      boxes[k] = 0.05f + 0.9f * rnd.nextFloat();
    }
    int[] labels = new int[targets];
    float[] tgt = new float[targets * 4];
    for (int t = 0; t < targets; t++) {
      labels[t] = rnd.nextInt(classes - 1);
      tgt[4 * t] = 0.1f + 0.8f * rnd.nextFloat();
      tgt[4 * t + 1] = 0.1f + 0.8f * rnd.nextFloat();
      tgt[4 * t + 2] = 0.02f + 0.4f * rnd.nextFloat();
      tgt[4 * t + 3] = 0.02f + 0.4f * rnd.nextFloat();
    }
    return new MatchInput(logits, boxes, labels, tgt);
  }
}

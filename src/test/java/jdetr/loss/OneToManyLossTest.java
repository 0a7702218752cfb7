package jdetr.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jdetr.data.Target;
import jdetr.matcher.HungarianMatcher;
import jdetr.matcher.MatchInput;
import jdetr.matcher.MatcherConfig;
import org.junit.jupiter.api.Test;

/**
 * The one-to-many branch's targets (each repeated K times), its matching (every target K times
 * when the queries hold them) and the composition of its terms.
 */
class OneToManyLossTest {

  private final SetCriterion criterion = new SetCriterion(CriterionConfig.deformableDetr(), 3);
  private static final Target TWO = Target.of(new int[] {1, 2},
      new float[] {0.3f, 0.3f, 0.2f, 0.2f, 0.7f, 0.6f, 0.3f, 0.4f});

  @Test
  void targetsAreRepeatedKTimesOrAsOftenAsTheQueriesHoldThem() {
    List<Target> r = new OneToManyLoss(criterion, 10, 3, 1.0).repeated(List.of(TWO));
    assertThat(r.get(0).labels()).containsExactly(1, 2, 1, 2, 1, 2);
    assertThat(r.get(0).boxes()).hasSize(24);
    assertThat(java.util.Arrays.copyOfRange(r.get(0).boxes(), 16, 24))
        .containsExactly(TWO.boxes());
    // 5 queries hold two copies of two targets, not three
    assertThat(new OneToManyLoss(criterion, 5, 3, 1.0).repeated(List.of(TWO)).get(0).size())
        .isEqualTo(4);
    assertThat(new OneToManyLoss(criterion, 5, 3, 1.0).repeated(
        List.of(Target.of(new int[0], new float[0]))).get(0).size()).isZero();
  }

  @Test
  void everyTargetIsMatchedKTimesToDistinctQueries() {
    int n = 12;
    int k = 4;
    OneToManyLoss loss = new OneToManyLoss(criterion, n, k, 1.0);
    Target repeated = loss.repeated(List.of(TWO)).get(0);
    java.util.Random rnd = new java.util.Random(3);
    float[] logits = new float[n * 3];
    float[] boxes = new float[n * 4];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = (float) rnd.nextGaussian();
    }
    for (int i = 0; i < boxes.length; i++) {
      boxes[i] = 0.2f + 0.6f * rnd.nextFloat();
    }
    Matching m = new HungarianMatcher(MatcherConfig.DEFORMABLE_DETR).matchAll(List.of(
        new MatchInput(logits, boxes, repeated.labels(), repeated.boxes()))).get(0);
    assertThat(m.size()).isEqualTo(2 * k);
    int[] perTarget = new int[2];
    for (int t : m.targetIdx()) {
      perTarget[t % 2]++;
    }
    assertThat(perTarget).containsExactly(k, k);
    assertThat(java.util.Arrays.stream(m.queryIdx()).distinct().count()).isEqualTo(2L * k);
  }

  @Test
  void termsAreTheSetLossOfTheRepeatedTargetsNamedAndWeighted() {
    OneToManyLoss loss = new OneToManyLoss(criterion, 4, 2, 0.5);
    assertThat(OneToManyLoss.named("loss_giou_1")).isEqualTo("loss_giou_one2many_1");
    Map<String, Double> weights = loss.weightDict(2);
    assertThat(weights).containsExactly(Map.entry("loss_ce_one2many", 1.0),
        Map.entry("loss_bbox_one2many", 2.5), Map.entry("loss_giou_one2many", 1.0),
        Map.entry("loss_ce_one2many_0", 1.0), Map.entry("loss_bbox_one2many_0", 2.5),
        Map.entry("loss_giou_one2many_0", 1.0));
    List<Target> targets = List.of(Target.of(new int[] {1},
        new float[] {0.5f, 0.5f, 0.2f, 0.2f}));
    List<Target> repeated = loss.repeated(targets); // the box twice
    Normalisers norm = loss.normalisers(targets);
    assertThat(norm.numBoxes()).isEqualTo(2.0);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      m.getEngine().setRandomSeed(4);
      List<LayerPrediction> layers = new ArrayList<>();
      for (int l = 0; l < 2; l++) {
        layers.add(new LayerPrediction(m.randomNormal(new Shape(1, 4, 3)),
            m.randomUniform(0.2f, 0.8f, new Shape(1, 4, 4))));
      }
      List<Matching> matching = List.of(new Matching(new int[] {2, 0}, new int[] {0, 1}));
      List<List<Matching>> matchings = List.of(matching, matching);
      SetLosses many = loss.compute(layers, repeated, matchings, norm, 0);
      SetLosses plain = criterion.compute(layers, repeated, matchings, norm, 0);
      assertThat(many.terms().keySet()).containsExactlyInAnyOrderElementsOf(weights.keySet());
      double total = 0;
      for (Map.Entry<String, Double> w : weights.entrySet()) {
        total += w.getValue() * many.terms().get(w.getKey()).getFloat();
      }
      assertThat((double) many.totalValue()).isCloseTo(total, within(1e-5));
      assertThat(many.totalValue()).isCloseTo(0.5f * plain.totalValue(), within(1e-5f));
      assertThat(many.terms().get("loss_bbox_one2many_0").getFloat())
          .isEqualTo(plain.terms().get("loss_bbox_0").getFloat());
      // two copies of one target, matched to queries 2 and 0: L1 over both, divided by 2
      float[] b = layers.get(1).boxes().toFloatArray();
      double l1 = 0;
      for (int c = 0; c < 4; c++) {
        l1 += Math.abs(b[8 + c] - targets.get(0).boxes()[c]) + Math.abs(b[c]
            - targets.get(0).boxes()[c]);
      }
      assertThat((double) many.terms().get("loss_bbox_one2many").getFloat())
          .isCloseTo(l1 / 2, within(1e-5));
    }
  }
}

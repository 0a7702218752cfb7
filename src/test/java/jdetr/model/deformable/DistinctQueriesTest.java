package jdetr.model.deformable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import jdetr.model.DeformableOptions;
import jdetr.model.Denoising;
import jdetr.model.DetrConfig;
import jdetr.model.NoGrad;
import jdetr.model.OneToMany;
import org.junit.jupiter.api.Test;

/**
 * DDQ's distinct query selection: greedy class-agnostic non-maximum suppression over the encoder
 * proposals, the best suppressed ones filling up; in the model, the queries' initial boxes are such
 * a selection, and with nothing to suppress the model is the plain top-k one.
 */
class DistinctQueriesTest {

  private static final float[] SCORES = {0.9f, 0.8f, 0.7f, 0.6f, 0.5f};
  /** cxcywh: 1 lies inside 0 (IoU 0.75), 3 nearly covers 2 (0.905), 4 is apart from all. */
  private static final float[] BOXES = {
      0.30f, 0.30f, 0.20f, 0.20f, // 0
      0.30f, 0.325f, 0.20f, 0.15f, // 1: inside 0, IoU 0.03 / 0.04
      0.70f, 0.70f, 0.20f, 0.20f, // 2
      0.70f, 0.71f, 0.20f, 0.20f, // 3: IoU with 2 is 0.038 / 0.042
      0.10f, 0.90f, 0.10f, 0.10f}; // 4

  @Test
  void keepsTheBestOfEachOverlappingGroupThenFillsWithTheBestSuppressed() {
    assertThat(DistinctQueries.select(SCORES, BOXES, 3, 0.8)).containsExactly(0, 1, 2);
    assertThat(DistinctQueries.select(SCORES, BOXES, 4, 0.8)).containsExactly(0, 1, 2, 4);
    assertThat(DistinctQueries.select(SCORES, BOXES, 5, 0.8)).containsExactly(0, 1, 2, 4, 3);
    assertThat(DistinctQueries.select(SCORES, BOXES, 3, 0.7)).containsExactly(0, 2, 4);
    assertThat(DistinctQueries.select(SCORES, BOXES, 4, 0.7)).containsExactly(0, 2, 4, 1);
    assertThat(DistinctQueries.select(SCORES, BOXES, 5, 0.95)).containsExactly(0, 1, 2, 3, 4);
  }

  @Test
  void ordersByScoreWhateverTheTokenOrderTiesByIndex() {
    float[] scores = {0.1f, 0.5f, 0.5f, 0.9f};
    float[] apart = {
        0.1f, 0.1f, 0.1f, 0.1f, 0.4f, 0.4f, 0.1f, 0.1f,
        0.6f, 0.6f, 0.1f, 0.1f, 0.9f, 0.9f, 0.1f, 0.1f};
    assertThat(DistinctQueries.select(scores, apart, 4, 0.5)).containsExactly(3, 1, 2, 0);
  }

  @Test
  void refusesMoreQueriesThanProposals() {
    assertThatThrownBy(() -> DistinctQueries.select(SCORES, BOXES, 6, 0.8))
        .hasMessageContaining("6 queries from 5 proposals");
  }

  @Test
  void selectsPerImageOfTheBatch() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      float[] second = {0.5f, 0.6f, 0.7f, 0.8f, 0.9f}; // reversed ranking
      NDArray scores = m.create(concat(SCORES, second), new Shape(2, 5));
      NDArray boxes = m.create(concat(BOXES, BOXES), new Shape(2, 5, 4));
      NDArray unact = boxes.div(boxes.neg().add(1)).log(); // inverse sigmoid
      NDArray picked = DistinctQueries.indices(scores, unact, 3, 0.8);
      assertThat(picked.getShape()).isEqualTo(new Shape(2, 3));
      assertThat(picked.getDataType()).isEqualTo(DataType.INT64);
      assertThat(picked.toLongArray()).containsExactly(0, 1, 2, 4, 3, 1);
    }
  }

  @Test
  void theQueriesStartOnDistinctProposals() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Engine.getInstance().setRandomSeed(11);
      double iou = 0.3;
      DeformableDetr model = DeformableDetr.create(config(iou), m);
      DeformableDetr plain = DeformableDetr.create(config(0), m);
      int proposalHead = model.config().decLayers();
      try (NoGrad g = NoGrad.enter()) { // proposals moved and enlarged, so that many overlap
        String last = "bbox_embed." + proposalHead + ".layers.2.";
        NDArray weight = model.stateDict().get(last + "weight"); // [4, C], zero at first
        weight.addi(m.randomNormal(weight.getShape()).mul(0.1f));
        model.stateDict().get(last + "bias").addi(m.create(new float[] {0, 0, 2, 2}));
        plain.loadStateDict(model.stateDict(), false);
      }
      NDArray images = m.randomNormal(new Shape(1, 3, 64, 64));
      NDArray mask = m.zeros(new Shape(1, 64, 64), DataType.BOOLEAN);
      float[] boxes = initialBoxes(model, images, mask);
      float[] topK = initialBoxes(plain, images, mask);
      int q = model.config().numQueries();
      for (int i = 0; i < q; i++) { // 85 proposals leave 12 distinct ones
        assertThat(maxIou(boxes, i, q)).isLessThanOrEqualTo(iou);
      }
      double topKOverlap = 0;
      for (int i = 0; i < q; i++) {
        topKOverlap = Math.max(topKOverlap, maxIou(topK, i, q));
      }
      assertThat(topKOverlap).isGreaterThan(iou); // the plain top-k has duplicates: the test has teeth
      assertThat(boxes).isNotEqualTo(topK);
      assertThat(Arrays.copyOf(boxes, 4)).containsExactly(
          Arrays.copyOf(topK, 4)); // the best proposal leads both
      // nothing to suppress at IoU 1: the plain top-k queries
      DeformableDetr loose = DeformableDetr.create(config(1.0), m);
      try (NoGrad g = NoGrad.enter()) {
        loose.loadStateDict(model.stateDict(), false);
      }
      assertThat(initialBoxes(loose, images, mask)).containsExactly(topK);
    }
  }

  @Test
  void needsTwoStageAndAnIouInRange() {
    assertThatThrownBy(() -> new DeformableOptions(4, 4, 4, true, false, Denoising.off(),
        OneToMany.off(), false, false, 0.8)).hasMessageContaining("distinct_query_iou")
        .hasMessageContaining("two_stage");
    assertThatThrownBy(() -> new DeformableOptions(4, 4, 4, true, true, Denoising.off(),
        OneToMany.off(), false, false, 1.5)).hasMessageContaining("distinct_query_iou")
        .hasMessageContaining("got 1.5");
  }

  private static DetrConfig config(double iou) {
    return DeformableDetrBehaviourTest.SMALL.toBuilder().numQueries(12).deformable(
        new DeformableOptions(4, 4, 4, true, true, Denoising.off(), OneToMany.off(), false,
            false, iou)).build();
  }

  /** [Q * 4] cxcywh, the decoder's initial reference boxes at inference. */
  private static float[] initialBoxes(DeformableDetr model, NDArray images, NDArray mask) {
    try (NoGrad g = NoGrad.enter()) {
      return model.transform(model.multiScaleFeatures(images, mask, false), false).initReference()
          .toFloatArray();
    }
  }

  /** The largest IoU of box {@code i} with the other boxes of the first {@code count}. */
  private static double maxIou(float[] cxcywh, int i, int count) {
    double best = 0;
    for (int j = 0; j < count; j++) {
      if (j != i) {
        best = Math.max(best, iou(cxcywh, i, j));
      }
    }
    return best;
  }

  private static double iou(float[] b, int i, int j) {
    double iw = Math.min(b[4 * i] + b[4 * i + 2] / 2, b[4 * j] + b[4 * j + 2] / 2)
        - Math.max(b[4 * i] - b[4 * i + 2] / 2, b[4 * j] - b[4 * j + 2] / 2);
    double ih = Math.min(b[4 * i + 1] + b[4 * i + 3] / 2, b[4 * j + 1] + b[4 * j + 3] / 2)
        - Math.max(b[4 * i + 1] - b[4 * i + 3] / 2, b[4 * j + 1] - b[4 * j + 3] / 2);
    if (iw <= 0 || ih <= 0) {
      return 0;
    }
    double inter = iw * ih;
    return inter / (b[4 * i + 2] * b[4 * i + 3] + b[4 * j + 2] * b[4 * j + 3] - inter);
  }

  private static float[] concat(float[] a, float[] b) {
    float[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}

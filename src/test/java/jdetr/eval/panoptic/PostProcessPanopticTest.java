package jdetr.eval.panoptic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import jdetr.eval.panoptic.PostProcessPanoptic.Prediction;
import jdetr.eval.panoptic.PostProcessPanoptic.Segment;
import org.junit.jupiter.api.Test;

/** {@link PostProcessPanoptic} on hand-made outputs: 2 queries, classes 0 (thing) and 1 (stuff). */
class PostProcessPanopticTest {
  private static final Map<Integer, Boolean> MAP = Map.of(0, true, 1, false);

  @Test
  void confidentQueriesPaintTheirHalvesAndTinySegmentsGo() {
    // K+1 = 3 (2 = no object); query 0 class 0, query 1 class 1, query 2 no object
    float[] logits = {9, 0, 0, 0, 9, 0, 0, 0, 9};
    // 2x2 masks: query 0 wins the left column, query 1 the right; query 2 is not kept
    float[] masks = {5, -5, 5, -5, -5, 5, -5, 5, 9, 9, 9, 9};
    List<Prediction> out = new PostProcessPanoptic(MAP, 0.85f)
        .apply(logits, masks, 1, 3, 3, 2, 2, new int[][] {{4, 4}}, new int[][] {{6, 8}});
    Prediction p = out.get(0);
    assertThat(p.png().width()).isEqualTo(8);
    assertThat(p.png().height()).isEqualTo(6);
    assertThat(p.segmentsInfo()).containsExactly(new Segment(0, true, 0, 24),
        new Segment(1, false, 1, 24));
    assertThat(p.png().id(0, 0)).isZero();
    assertThat(p.png().id(7, 5)).isEqualTo(1);

    // a target of 2x2: each segment covers 2 pixels (<= 4), both go, nothing is left
    Prediction small = new PostProcessPanoptic(MAP, 0.85f)
        .apply(logits, masks, 1, 3, 3, 2, 2, new int[][] {{4, 4}}, new int[][] {{2, 2}}).get(0);
    assertThat(small.segmentsInfo()).isEmpty();
    assertThat(small.png().ids()).containsOnly(0);
  }

  @Test
  void refusesClassesTheMapLacksAndShapesThatDisagree() {
    float[] logits = {0, 0, 9, 0}; // K+1 = 4: class 2 kept, not in the map
    float[] masks = new float[4];
    assertThatThrownBy(() -> new PostProcessPanoptic(MAP, 0.85f).apply(logits, masks, 1, 1, 4, 2,
        2, new int[][] {{4, 4}}, new int[][] {{4, 4}}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("class 2");
    assertThatThrownBy(() -> new PostProcessPanoptic(MAP, 0.85f).apply(logits, masks, 1, 1, 3, 2,
        2, new int[][] {{4, 4}}, new int[][] {{4, 4}}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("logits [1, 1, 3]");
  }
}

package jdetr.box;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FloatBoxOpsTest {

  @Test
  void convertsBetweenCenterAndCornerForms() {
    float[] cxcywh = {0.5f, 0.5f, 0.2f, 0.4f, 0.1f, 0.9f, 0f, 0.2f};
    float[] xyxy = FloatBoxOps.cxcywhToXyxy(cxcywh);
    assertThat(xyxy).containsExactly(new float[] {0.4f, 0.3f, 0.6f, 0.7f, 0.1f, 0.8f, 0.1f, 1.0f},
        within(1e-7f));
    assertThat(FloatBoxOps.xyxyToCxcywh(xyxy)).containsExactly(cxcywh, within(1e-7f));
  }

  @Test
  void areaOfValidAndInvertedBoxes() {
    assertThat(FloatBoxOps.area(new float[] {0, 0, 2, 3, 1, 1, 1, 5, 2, 2, 1, 4}))
        .containsExactly(6f, 0f, 0f);
  }

  @Test
  void iouAndGiouOfKnownPairs() {
    float[] a = {0, 0, 2, 2};
    float[] b = {1, 1, 3, 3, 0, 0, 2, 2, 4, 0, 5, 2};
    // overlap 1, union 7, enclosing 9 -> IoU 1/7, GIoU 1/7 - 2/9
    // identical -> 1, 1; disjoint: union 6, enclosing 10 -> IoU 0, GIoU -0.4
    assertThat(FloatBoxOps.iou(a, b)).containsExactly(new float[] {1f / 7, 1f, 0f}, within(1e-7f));
    assertThat(FloatBoxOps.generalizedIou(a, b))
        .containsExactly(new float[] {1f / 7 - 2f / 9, 1f, -0.4f}, within(1e-7f));
  }

  @Test
  void pairwiseShapeIsRowMajorNByM() {
    float[] a = {0, 0, 1, 1, 0, 0, 2, 2};
    float[] b = {0, 0, 1, 1, 0, 0, 2, 2, 0, 0, 4, 4};
    float[] iou = FloatBoxOps.iou(a, b); // [2, 3]
    assertThat(iou).hasSize(6);
    assertThat(iou[0 * 3 + 2]).isCloseTo(1f / 16, within(1e-7f));
    assertThat(iou[1 * 3 + 0]).isCloseTo(1f / 4, within(1e-7f));
    assertThat(FloatBoxOps.iou(new float[0], b)).isEmpty();
  }

  @Test
  void degenerateBoxesNeverGiveNaN() {
    // Two points at the same place: union and enclosing areas are 0 -> IoU 0, GIoU 0.
    assertThat(FloatBoxOps.generalizedIou(0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f))
        .isEqualTo(0f);
    assertThat(FloatBoxOps.iou(0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f)).isEqualTo(0f);
    // Two zero-width segments on one vertical line: enclosing area 0 -> GIoU 0.
    assertThat(FloatBoxOps.generalizedIou(0.2f, 0f, 0.2f, 1f, 0.2f, 0.5f, 0.2f, 2f)).isEqualTo(0f);
    // Two distinct points off a common line: enclosing area > 0, union 0 -> GIoU -1.
    assertThat(FloatBoxOps.generalizedIou(0f, 0f, 0f, 0f, 1f, 1f, 1f, 1f)).isEqualTo(-1f);
    // A zero-area box against a real one: the plain formula (as the reference).
    assertThat(FloatBoxOps.generalizedIou(0.5f, 0.5f, 0.5f, 0.5f, 0f, 0f, 1f, 1f)).isEqualTo(0f);
    // An inverted box has zero area and intersects nothing.
    assertThat(FloatBoxOps.iou(0.6f, 0f, 0.4f, 1f, 0f, 0f, 1f, 1f)).isEqualTo(0f);

    Random rnd = new Random(1);
    for (int trial = 0; trial < 20000; trial++) {
      float[] c = new float[8];
      for (int k = 0; k < 8; k++) {
        // A coarse grid makes coinciding edges, zero sides and inverted boxes common.
        c[k] = rnd.nextInt(5) / 4f;
      }
      float iou = FloatBoxOps.iou(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]);
      float giou = FloatBoxOps.generalizedIou(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]);
      assertThat(iou).isBetween(0f, 1f);
      assertThat(giou).isBetween(-1f, 1f).isLessThanOrEqualTo(iou);
    }
  }

  @Test
  void giouOfValidBoxesFollowsTheDefinition() {
    Random rnd = new Random(2);
    for (int trial = 0; trial < 1000; trial++) {
      double[] a = randomBox(rnd);
      double[] b = randomBox(rnd);
      double iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
      double ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
      double union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - iw * ih;
      double enclosing = (Math.max(a[2], b[2]) - Math.min(a[0], b[0]))
          * (Math.max(a[3], b[3]) - Math.min(a[1], b[1]));
      double expected = iw * ih / union - (enclosing - union) / enclosing;
      float got = FloatBoxOps.generalizedIou((float) a[0], (float) a[1], (float) a[2], (float) a[3],
          (float) b[0], (float) b[1], (float) b[2], (float) b[3]);
      assertThat((double) got).isCloseTo(expected, within(1e-5));
    }
  }

  @Test
  void rejectsArraysThatAreNotBoxes() {
    assertThatThrownBy(() -> FloatBoxOps.cxcywhToXyxy(new float[5]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 4");
    assertThatThrownBy(() -> FloatBoxOps.generalizedIou(new float[4], new float[3]))
        .hasMessageContaining("b has 3 values");
  }

  private static double[] randomBox(Random rnd) {
    // Exactly representable in float so the double formula sees the same inputs.
    double x0 = (float) rnd.nextDouble();
    double y0 = (float) rnd.nextDouble();
    return new double[] {x0, y0, (float) (x0 + 0.01 + rnd.nextDouble()),
        (float) (y0 + 0.01 + rnd.nextDouble())};
  }
}

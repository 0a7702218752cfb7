package jdetr.box;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Random;
import jdetr.autograd.CollectedJavaMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BoxOpsTest {

  NDManager m;

  @BeforeEach
  void open() {
    m = NDManager.newBaseManager("PyTorch");
  }

  @AfterEach
  void close() {
    m.close();
  }

  NDArray boxes(float... v) {
    return m.create(v, new Shape(v.length / 4, 4));
  }

  @Test
  void convertsBetweenCenterAndCornerFormats() {
    NDArray cxcywh = boxes(0.5f, 0.5f, 0.2f, 0.4f, 0.1f, 0.9f, 0.2f, 0.2f);
    NDArray xyxy = BoxOps.cxcywhToXyxy(cxcywh);
    assertThat(xyxy.toFloatArray())
        .containsExactly(new float[] {0.4f, 0.3f, 0.6f, 0.7f, 0.0f, 0.8f, 0.2f, 1.0f}, within(1e-7f));
    assertThat(BoxOps.xyxyToCxcywh(xyxy).toFloatArray()).containsExactly(cxcywh.toFloatArray(), within(1e-7f));
    // any leading shape: [2, 1, 4]
    NDArray batched = cxcywh.reshape(2, 1, 4);
    assertThat(BoxOps.cxcywhToXyxy(batched).getShape()).isEqualTo(new Shape(2, 1, 4));
    assertThat(BoxOps.area(xyxy).toFloatArray()).containsExactly(new float[] {0.08f, 0.04f}, within(1e-7f));
  }

  @Test
  void iouAndGeneralizedIouOfKnownPairs() {
    NDArray a = boxes(0, 0, 2, 2);
    NDArray b = boxes(1, 1, 3, 3, 0, 0, 2, 2, 4, 4, 5, 5);
    // overlap 1, union 7, enclosing 9; identical; disjoint with enclosing 25, union 5
    assertThat(BoxOps.iou(a, b).toFloatArray()).containsExactly(new float[] {1 / 7f, 1f, 0f}, within(1e-6f));
    assertThat(BoxOps.generalizedIou(a, b).toFloatArray())
        .containsExactly(new float[] {1 / 7f - 2 / 9f, 1f, -20 / 25f}, within(1e-6f));
    assertThat(BoxOps.generalizedIou(a, b).getShape()).isEqualTo(new Shape(1, 3));
  }

  @Test
  void elementwiseGiouEqualsTheDiagonalOfThePairwiseMatrixWithTheSameGradients() {
    Random r = new Random(5);
    int n = 12;
    float[] v1 = randomCxcywh(r, n);
    float[] v2 = randomCxcywh(r, n);
    float[][] grads = new float[2][];
    float[][] values = new float[2][];
    for (int variant = 0; variant < 2; variant++) {
      NDArray p = m.create(v1, new Shape(n, 4));
      p.setRequiresGradient(true);
      try (GradientCollector gc = m.getEngine().newGradientCollector()) {
        NDArray x1 = BoxOps.cxcywhToXyxy(p);
        NDArray x2 = BoxOps.cxcywhToXyxy(m.create(v2, new Shape(n, 4)));
        NDArray g = variant == 0 ? BoxOps.elementwiseGeneralizedIou(x1, x2) : BoxOps.generalizedIou(x1, x2).diagonal();
        values[variant] = g.toFloatArray();
        gc.backward(g.sum());
      }
      grads[variant] = p.getGradient().toFloatArray();
    }
    assertThat(values[0]).containsExactly(values[1], within(1e-7f));
    assertThat(grads[0]).containsExactly(grads[1], within(1e-6f));
    for (float x : values[0]) {
      assertThat(x).isBetween(-1f, 1f);
    }
  }

  /**
   * The gradients of the conversions and of IoU and GIoU equal central differences (float64) when the
   * garbage collector runs between forward and backward.
   */
  @Test
  void gradientsEqualFiniteDifferencesWhenMemoryIsCollectedBeforeBackward() {
    Random r = new Random(11);
    int n = 4;
    double[] v1 = toDouble(randomCxcywh(r, n));
    double[] v2 = toDouble(randomCxcywh(r, n));
    for (int variant = 0; variant < 3; variant++) {
      NDArray p = m.create(v1, new Shape(n, 4));
      p.setRequiresGradient(true);
      try (GradientCollector gc = m.getEngine().newGradientCollector()) {
        NDArray y = scalarFunction(variant, p, v2);
        try (CollectedJavaMemory c = CollectedJavaMemory.collectAndOverwrite()) {
          gc.backward(y);
        }
      }
      double[] grad = p.getGradient().toDoubleArray();
      double h = 1e-6;
      for (int i = 0; i < v1.length; i++) {
        double[] plus = v1.clone();
        double[] minus = v1.clone();
        plus[i] += h;
        minus[i] -= h;
        double numeric = (scalarFunction(variant, m.create(plus, new Shape(n, 4)), v2).getDouble()
            - scalarFunction(variant, m.create(minus, new Shape(n, 4)), v2).getDouble()) / (2 * h);
        assertThat(grad[i]).as("variant %d, coordinate %d", variant, i).isCloseTo(numeric, within(1e-6));
      }
    }
  }

  /** A weighted sum of IoU (0), pairwise GIoU (1) or elementwise GIoU (2) of xyxy(p) with xyxy(v2). */
  NDArray scalarFunction(int variant, NDArray p, double[] v2) {
    int n = (int) p.getShape().get(0);
    NDArray a = BoxOps.xyxyToCxcywh(BoxOps.cxcywhToXyxy(BoxOps.xyxyToCxcywh(BoxOps.cxcywhToXyxy(p))));
    NDArray b = BoxOps.cxcywhToXyxy(m.create(v2, new Shape(n, 4)));
    NDArray x = BoxOps.cxcywhToXyxy(a);
    NDArray g = switch (variant) {
      case 0 -> BoxOps.iou(x, b);
      case 1 -> BoxOps.generalizedIou(x, b);
      default -> BoxOps.elementwiseGeneralizedIou(x, b);
    };
    NDArray weights = m.arange(1, (int) g.size() + 1).toType(DataType.FLOAT64, false).reshape(g.getShape());
    return g.mul(weights).sum();
  }

  static double[] toDouble(float[] v) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }

  @Test
  void zeroAreaBoxesGiveFiniteValuesAndGradients() {
    // a point, a horizontal line, a point equal to the first, and a normal box
    NDArray pred = m.create(new float[] {0.5f, 0.5f, 0, 0, 0.2f, 0.3f, 0.4f, 0, 0.5f, 0.5f, 0, 0}, new Shape(3, 4));
    NDArray tgt = m.create(new float[] {0.5f, 0.5f, 0, 0, 0.5f, 0.5f, 0.2f, 0.2f, 0.5f, 0.5f, 0.2f, 0.2f}, new Shape(3, 4));
    pred.setRequiresGradient(true);
    float[] giou;
    float[] pairwise;
    try (GradientCollector gc = m.getEngine().newGradientCollector()) {
      NDArray g = BoxOps.elementwiseGeneralizedIou(BoxOps.cxcywhToXyxy(pred), BoxOps.cxcywhToXyxy(tgt));
      giou = g.toFloatArray();
      pairwise = BoxOps.generalizedIou(BoxOps.cxcywhToXyxy(pred), BoxOps.cxcywhToXyxy(tgt)).toFloatArray();
      gc.backward(g.sum());
    }
    float[] grad = pred.getGradient().toFloatArray();
    assertFinite(giou);
    assertFinite(pairwise);
    assertFinite(grad);
    // two equal points: empty union and enclosing box -> IoU 0, GIoU 0 (the reference: NaN)
    assertThat(giou[0]).isEqualTo(0f);
    // a point inside a box: IoU 0, enclosing = union = the box -> GIoU 0
    assertThat(giou[2]).isCloseTo(0f, within(1e-7f));
    // zero-area predictions against a real box are unaffected by the floor: line x 0..0.4 at
    // y 0.3 vs box 0.4..0.6: enclosing 0.6 x 0.3, union 0.04 -> GIoU = -(0.18 - 0.04) / 0.18
    assertThat(giou[1]).isCloseTo(-(0.18f - 0.04f) / 0.18f, within(1e-6f));
    assertFinite(BoxOps.iou(BoxOps.cxcywhToXyxy(pred), BoxOps.cxcywhToXyxy(pred)).toFloatArray());
  }

  @Test
  void invertedBoxesAreRejectedWithTheirRow() {
    NDArray ok = boxes(0, 0, 1, 1, 0, 0, 1, 1);
    NDArray inverted = boxes(0, 0, 1, 1, 0.5f, 0.2f, 0.4f, 0.9f);
    assertThatThrownBy(() -> BoxOps.generalizedIou(ok, inverted))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("boxes2 row 1")
        .hasMessageContaining("0.5");
    assertThatThrownBy(() -> BoxOps.elementwiseGeneralizedIou(inverted, ok))
        .hasMessageContaining("boxes1 row 1");
    assertThatThrownBy(() -> BoxOps.iou(ok, m.create(new float[] {1, 2, 3}, new Shape(1, 3))))
        .hasMessageContaining("[N, 4]");
  }

  @Test
  void nanCoordinatesPropagateToTheResult() {
    NDArray a = boxes(Float.NaN, 0, 1, 1);
    NDArray b = boxes(0, 0, 1, 1);
    assertThat(BoxOps.elementwiseGeneralizedIou(a, b).toFloatArray()[0]).isNaN();
  }

  @Test
  void emptyInputsGiveEmptyResults() {
    NDArray none = m.zeros(new Shape(0, 4));
    assertThat(BoxOps.generalizedIou(none, boxes(0, 0, 1, 1)).getShape()).isEqualTo(new Shape(0, 1));
    assertThat(BoxOps.elementwiseGeneralizedIou(none, none).getShape()).isEqualTo(new Shape(0));
  }

  static void assertFinite(float[] values) {
    for (int i = 0; i < values.length; i++) {
      assertThat(Float.isFinite(values[i])).as("element %d = %s", i, values[i]).isTrue();
    }
  }

  static float[] randomCxcywh(Random r, int n) {
    float[] v = new float[4 * n];
    for (int i = 0; i < n; i++) {
      v[4 * i] = 0.2f + 0.6f * r.nextFloat();
      v[4 * i + 1] = 0.2f + 0.6f * r.nextFloat();
      v[4 * i + 2] = 0.05f + 0.4f * r.nextFloat();
      v[4 * i + 3] = 0.05f + 0.4f * r.nextFloat();
    }
    return v;
  }
}

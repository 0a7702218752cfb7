package jdetr.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * GraphSafe gives DJL's values and gradients, and its graphs keep no Java memory: every test runs the
 * garbage collector and overwrites freed memory between forward and backward.
 */
class GraphSafeTest {

  NDManager m;

  @BeforeEach
  void open() {
    m = NDManager.newBaseManager("PyTorch");
  }

  @AfterEach
  void close() {
    m.close();
  }

  NDArray leaf(float... v) {
    NDArray x = m.create(v); // stays open until after backward
    x.setRequiresGradient(true);
    return x;
  }

  @Test
  void scalarArithmeticKeepsItsGradientAcrossACollection() {
    for (int round = 0; round < 3; round++) {
      NDArray x = leaf(1, 2, 3, -4);
      try (GradientCollector gc = m.getEngine().newGradientCollector()) {
        NDArray y = GraphSafe.pow(GraphSafe.div(GraphSafe.mul(x, 3f), 4f), 2f).sum(); // sum (3x/4)^2
        assertThat(y.getFloat()).isCloseTo(9f / 16 * 30, within(1e-5f));
        try (CollectedJavaMemory c = CollectedJavaMemory.collectAndOverwrite()) {
          gc.backward(y);
        }
      }
      assertThat(x.getGradient().toFloatArray()) // 9x/8
          .containsExactly(new float[] {9f / 8, 18f / 8, 27f / 8, -36f / 8}, within(1e-6f));
    }
  }

  @Test
  void constantsOutliveTheirClosedManagerInTheGraph() {
    for (int round = 0; round < 3; round++) {
      NDArray x = leaf(10, 20, 30, 40);
      try (GradientCollector gc = m.getEngine().newGradientCollector()) {
        NDArray y;
        try (NDManager scope = m.newSubManager()) {
          NDArray weight = GraphSafe.create(scope, new float[] {1, -2, 0.5f, 4}, new Shape(4));
          NDArray index = GraphSafe.create(scope, new long[] {3, 0, 3}, new Shape(3));
          assertThat(index.getDataType()).isEqualTo(DataType.INT64);
          scope.tempAttachAll(x);
          y = x.mul(weight).sum().add(x.gather(index, 0).sum()); // weight kept by mul, index by gather
          y.attach(m);
        }
        try (CollectedJavaMemory c = CollectedJavaMemory.collectAndOverwrite()) {
          gc.backward(y);
        }
      }
      assertThat(x.getGradient().toFloatArray()).containsExactly(1 + 1, -2, 0.5f, 4 + 2);
    }
  }

  @Test
  void clipHasClampsValuesAndGradientWithInclusiveBounds() {
    float[] v = {-1, 0, 0.5f, 1, 2, Float.NaN, Float.POSITIVE_INFINITY};
    float[][] values = new float[2][];
    float[][] grads = new float[2][];
    for (int variant = 0; variant < 2; variant++) {
      NDArray x = leaf(v);
      try (GradientCollector gc = m.getEngine().newGradientCollector()) {
        NDArray y = variant == 0 ? GraphSafe.clip(x, 0f, 1f) : x.clip(0f, 1f);
        values[variant] = y.toFloatArray();
        try (CollectedJavaMemory c = variant == 0 ? CollectedJavaMemory.collectAndOverwrite() : null) {
          gc.backward(y.mul(m.create(new float[] {1, 2, 3, 4, 5, 6, 7})).sum());
        }
      }
      grads[variant] = x.getGradient().toFloatArray();
    }
    assertThat(values[0]).containsExactly(0, 0, 0.5f, 1, 1, Float.NaN, 1);
    assertThat(grads[0]).containsExactly(0, 2, 3, 4, 0, 0, 0);
    assertThat(values[0]).containsExactly(values[1]); // DJL's clip (torch clamp)
    assertThat(grads[0]).containsExactly(grads[1]);
  }
}

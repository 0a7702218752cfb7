package jdetr.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import jdetr.data.Target;
import jdetr.loss.ClassLoss;
import org.junit.jupiter.api.Test;

class PostProcessTest {

  @Test
  void softmaxReportsTheBestRealClassEvenWhenNoObjectWins() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      // one image, two queries, C = 2 real classes + no-object
      NDArray logits = m.create(new float[] {0, 1, 5, 2, 0, 0}, new Shape(1, 2, 3));
      NDArray boxes = m.create(new float[] {0.5f, 0.5f, 0.2f, 0.4f, 0.25f, 0.75f, 0.5f, 0.5f}, new Shape(1, 2, 4));
      Target image = new Target(7, new int[0], new float[0], new float[0], new boolean[0], 100, 200, 50, 100);
      List<Detection> d = new PostProcess(ClassLoss.SOFTMAX_CE).apply(logits, boxes, List.of(image)).detections().get(0);
      assertThat(d).hasSize(2);
      assertThat(d.get(0).label()).isEqualTo(1);
      double z = Math.exp(0) + Math.exp(1) + Math.exp(5);
      assertThat((double) d.get(0).score()).isCloseTo(Math.exp(1) / z, within(1e-6));
      assertThat(d.get(1).label()).isEqualTo(0);
      // cxcywh (0.5, 0.5, 0.2, 0.4) in a 200 x 100 (w x h) original image
      assertThat(new float[] {d.get(0).x0(), d.get(0).y0(), d.get(0).x1(), d.get(0).y1()})
          .containsExactly(new float[] {80, 30, 120, 70}, within(1e-4f));
    }
  }

  @Test
  void sigmoidTopKSpansQueriesAndClasses() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      // one image, Q = 2, C = 3: the two best pairs are (query 1, class 2) and (query 1, class 0)
      NDArray logits = m.create(new float[] {-3, -1, -2, 4, -4, 5}, new Shape(1, 2, 3));
      NDArray boxes = m.create(new float[] {0.5f, 0.5f, 0.2f, 0.2f, 0.25f, 0.25f, 0.5f, 0.5f}, new Shape(1, 2, 4));
      PostProcess.Result r = new PostProcess(ClassLoss.SIGMOID_FOCAL, 2).apply(logits, boxes, new int[] {10}, new int[] {20});
      assertThat(r.labels()).containsExactly(2, 0);
      assertThat(r.scores()[0]).isCloseTo((float) (1 / (1 + Math.exp(-5))), within(1e-6f));
      assertThat(r.boxes()).containsExactly(new float[] {0, 0, 10, 5, 0, 0, 10, 5}, within(1e-5f));
      // k larger than Q x C: every pair, best first
      PostProcess.Result all = new PostProcess(ClassLoss.SIGMOID_FOCAL).apply(logits, boxes, new int[] {10}, new int[] {20});
      assertThat(all.perImage()).isEqualTo(6);
      assertThat(all.labels()).containsExactly(2, 0, 1, 2, 0, 1);
    }
  }

  @Test
  void mismatchedSizesAreRejected() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray logits = m.zeros(new Shape(2, 3, 4));
      NDArray boxes = m.zeros(new Shape(2, 3, 4));
      assertThatThrownBy(() -> new PostProcess(ClassLoss.SOFTMAX_CE).apply(logits, boxes, new int[] {1}, new int[] {1}))
          .hasMessageContaining("2 images but 1 heights");
      assertThatThrownBy(() -> new PostProcess(ClassLoss.SOFTMAX_CE).apply(logits, m.zeros(new Shape(2, 4, 4)), new int[2], new int[2]))
          .hasMessageContaining("boxes [B, Q, 4]");
    }
  }
}

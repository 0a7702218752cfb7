package jdetr.eval;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code --raw-out}: the first image's last-layer mask logits as pred_masks [Q, h, w]. */
class RawMasksTest {
  @Test
  void rawOutputsCarryTheFirstImagesMaskLogits() throws Exception {
    int layers = 2, batch = 2, queries = 3, k = 4, h = 2, w = 5;
    DetrPredictor.Raw raw = new DetrPredictor.Raw(layers, batch, queries, k,
        new float[layers * batch * queries * k], new float[layers * batch * queries * 4],
        new int[] {8, 7}, new int[] {20, 19});
    assertThat(new ObjectMapper().readTree(raw.toJson()).has("pred_masks")).isFalse();
    float[] logits = new float[batch * queries * h * w];
    for (int i = 0; i < logits.length; i++) logits[i] = i;
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      raw = raw.withPredMasks(m.create(logits, new Shape(batch, queries, h, w)));
    }
    JsonNode masks = new ObjectMapper().readTree(raw.toJson()).get("pred_masks");
    assertThat(masks.size()).isEqualTo(queries);
    assertThat(masks.get(0).size()).isEqualTo(h);
    assertThat(masks.get(0).get(0).size()).isEqualTo(w);
    assertThat(masks.get(2).get(1).get(4).asDouble()).isEqualTo((2 * h + 1) * w + 4);
  }
}

package jdetr.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.util.Map;
import jdetr.checkpoint.Safetensors;
import org.junit.jupiter.api.Test;

/** Mask downsampling and sine positions on irregular padding, against the reference. */
class PositionAndMaskParityTest {

  @Test
  void maskDownsamplingAndSinePositionsMatchTheReference() throws IOException {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Map<String, NDArray> ref =
          Safetensors.read(ParityFixture.DIR.resolve("position_and_mask.safetensors"), m).tensors();
      NDArray full = ref.get("full_mask");
      int checked = 0;
      for (Map.Entry<String, NDArray> e : ref.entrySet()) {
        if (e.getKey().startsWith("mask_")) {
          Shape s = e.getValue().getShape();
          NDArray down = PaddingMask.downsample(full, s.get(1), s.get(2));
          assertThat(down.toBooleanArray()).as(e.getKey())
              .containsExactly(e.getValue().toBooleanArray());
          checked++;
        }
      }
      assertThat(checked).isEqualTo(6);
      NDArray mask = ref.get("mask_13x17");
      NDArray features = m.zeros(new Shape(3, 8, 13, 17));
      NDArray pos = new PositionEmbeddingSine(32).encode(new FeatureMap(features, mask));
      ParityFixture.assertClose("sine positions 13x17 padded", pos, ref.get("pos_sine_32_13x17"),
          ParityFixture.TOLERANCE);
    }
  }
}

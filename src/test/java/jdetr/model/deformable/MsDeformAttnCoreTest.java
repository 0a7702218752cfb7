package jdetr.model.deformable;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import jdetr.model.NoGrad;
import org.junit.jupiter.api.Test;

class MsDeformAttnCoreTest {
  @Test
  void inferenceGatherInChunksOfQueriesGivesTheWholeSequencesResult() {
    FeatureLevels levels = new FeatureLevels(new int[] {6, 3}, new int[] {5, 2});
    int n = 2;
    int m = 3;
    int d = 4;
    int lq = 11;
    try (NDManager mgr = NDManager.newBaseManager("PyTorch")) {
      mgr.getEngine().setRandomSeed(7);
      NDArray value = mgr.randomUniform(-1, 1, new Shape(n, levels.size(), m, d));
      // a quarter of the samples have a corner off the map
      NDArray locations = mgr.randomUniform(-0.25f, 1.25f, new Shape(n, lq, m, 2, 3, 2));
      NDArray attention = mgr.randomUniform(0, 1, new Shape(n, lq, m, 2, 3));
      NDArray whole = MsDeformAttnCore.gather(value, levels, locations, attention,
          MsDeformAttnCore.INFERENCE_GATHER_LIMIT);
      long perQuery = (long) n * m * 2 * 3 * 4 * d;
      try (NoGrad off = NoGrad.enter()) {
        NDArray oneChunk = MsDeformAttnCore.gather(value, levels, locations, attention,
            MsDeformAttnCore.INFERENCE_GATHER_LIMIT);
        NDArray chunks = MsDeformAttnCore.gather(value, levels, locations, attention, 4 * perQuery);
        NDArray single = MsDeformAttnCore.gather(value, levels, locations, attention, 1);
        assertThat(whole.getShape()).isEqualTo(new Shape(n, lq, m * d));
        assertThat(chunks.getShape()).isEqualTo(whole.getShape());
        assertThat(oneChunk.toFloatArray()).containsExactly(whole.toFloatArray());
        assertThat(chunks.toFloatArray()).containsExactly(whole.toFloatArray()); // 4 + 4 + 3
        assertThat(single.toFloatArray()).containsExactly(whole.toFloatArray()); // 11 of 1
      }
    }
  }
}

package jdetr.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.norm.Dropout;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Dropout masks depend on (seed, step) only, whatever drew from the generator before. */
class EngineRandomTest {

  private static float[] dropout(NDManager m, long seed, long step) {
    return EngineRandom.forStep(seed, step, () -> {
      NDArray x = m.ones(new ai.djl.ndarray.types.Shape(64));
      return Dropout.dropout(x, 0.5f, true).singletonOrThrow().toFloatArray();
    });
  }

  @Test
  void aStepDrawsTheSameMaskWhateverCameBefore() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      float[] first = dropout(m, 42, 7);
      EngineRandom.exclusive(() -> m.randomUniform(0f, 1f, new ai.djl.ndarray.types.Shape(1000)));
      assertThat(dropout(m, 42, 7)).containsExactly(first);
      assertThat(dropout(m, 42, 8)).isNotEqualTo(first);
      assertThat(dropout(m, 43, 7)).isNotEqualTo(first);
    }
  }

  @Test
  void stepSeedsDifferAcrossStepsAndSeeds() {
    Set<Integer> seen = new HashSet<>();
    for (long seed = 0; seed < 20; seed++) {
      for (long step = 0; step < 500; step++) {
        int s = EngineRandom.stepSeed(seed, step);
        assertThat(s).isNotNegative();
        seen.add(s);
      }
    }
    assertThat(seen).hasSize(10_000);
    assertThat(EngineRandom.stepSeed(42, 7)).isEqualTo(EngineRandom.stepSeed(42, 7));
  }
}

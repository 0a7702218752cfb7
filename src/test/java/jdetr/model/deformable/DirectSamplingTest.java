package jdetr.model.deformable;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import jdetr.model.NoGrad;
import jdetr.model.ParityFixture;
import org.junit.jupiter.api.Test;

/**
 * The Java inference sampler against the row-lookup sampler on random inputs: level shapes from
 * 1x1 to 13x17, one to five levels, one to eight heads, one to four points, head widths that are
 * and are not a multiple of the vector width, values zeroed at padded positions (as MSDeformAttn
 * does for a padded batch) and locations over [-0.5, 1.5] (many samples with a corner, or all
 * corners, off the map).
 */
class DirectSamplingTest {

  @Test
  void equalsTheLookupSamplerOnRandomProblems() {
    // the largest first: later calls reuse its (larger) value map
    check(new int[] {9, 5, 3, 2, 1}, new int[] {4, 2, 1, 1, 1}, 2, 2, 32, 3, 300, 4);
    check(new int[] {13, 7, 4, 2}, new int[] {17, 9, 5, 3}, 2, 8, 32, 4, 23, 1);
    check(new int[] {1}, new int[] {1}, 1, 1, 4, 1, 5, 2);
    check(new int[] {6, 3}, new int[] {5, 2}, 3, 3, 5, 2, 40, 3);
  }

  @Test
  void threadsShareTheRowsWithoutChangingTheResult() {
    FeatureLevels levels = new FeatureLevels(new int[] {10, 5}, new int[] {12, 6});
    int n = 2;
    int lq = 700; // 1400 rows: 22 blocks
    try (NDManager mgr = NDManager.newBaseManager("PyTorch"); NoGrad off = NoGrad.enter()) {
      mgr.getEngine().setRandomSeed(5);
      NDArray value = mgr.randomUniform(-1, 1, new Shape(n, levels.size(), 4, 8));
      NDArray locations = mgr.randomUniform(-0.2f, 1.2f, new Shape(n, lq, 4, 2, 2, 2));
      NDArray attention = mgr.randomUniform(0, 1, new Shape(n, lq, 4, 2, 2));
      float[] one = DirectSampling.sample(value, levels, locations, attention, 1).toFloatArray();
      float[] two = DirectSampling.sample(value, levels, locations, attention, 2).toFloatArray();
      float[] many = DirectSampling.sample(value, levels, locations, attention, 64).toFloatArray();
      assertThat(two).containsExactly(one);
      assertThat(many).containsExactly(one);
      assertThat(one).doesNotContain(Float.NaN);
    }
  }

  /** Direct and lookup sampling of one random problem; image 1 (if any) is padded. */
  private static void check(int[] heights, int[] widths, int n, int m, int d, int p, int lq,
      int seed) {
    FeatureLevels levels = new FeatureLevels(heights, widths);
    int l = heights.length;
    try (NDManager mgr = NDManager.newBaseManager("PyTorch")) {
      mgr.getEngine().setRandomSeed(seed);
      NDArray value = mgr.randomUniform(-1, 1, new Shape(n, levels.size(), m, d));
      if (n > 1) {
        value = value.mul(paddingKeep(mgr, levels, n)); // image 1 padded on the right
      }
      NDArray locations = mgr.randomUniform(-0.5f, 1.5f, new Shape(n, lq, m, l, p, 2));
      NDArray attention = mgr.randomUniform(0, 1, new Shape(n, lq, m, l, p))
          .reshape(n, lq, m, (long) l * p).softmax(-1).reshape(n, lq, m, l, p);
      try (NoGrad off = NoGrad.enter()) {
        assertThat(DirectSampling.supports(value, locations, attention, (long) n * lq * m * d))
            .isTrue();
        NDArray direct = DirectSampling.sample(value, levels, locations, attention, 2);
        NDArray gather = MsDeformAttnCore.gather(value, levels, locations, attention,
            MsDeformAttnCore.INFERENCE_GATHER_LIMIT);
        assertThat(direct.getShape()).isEqualTo(new Shape(n, lq, (long) m * d));
        ParityFixture.assertClose("direct vs gather, levels " + levels + ", N " + n + ", M " + m
            + ", D " + d + ", P " + p, direct, gather, 1e-5);
        assertThat(direct.abs().sum().getFloat()).isGreaterThan(0f);
      }
    }
  }

  /** [N, S, 1, 1]: 1, but 0 at the right half of every level of image 1. */
  private static NDArray paddingKeep(NDManager mgr, FeatureLevels levels, int n) {
    float[] keep = new float[n * levels.size()];
    Arrays.fill(keep, 1f);
    for (int l = 0; l < levels.count(); l++) {
      int w = levels.width(l);
      for (int y = 0; y < levels.height(l); y++) {
        for (int x = (w + 1) / 2; x < w; x++) {
          keep[levels.size() + levels.start(l) + y * w + x] = 0f;
        }
      }
    }
    return mgr.create(keep, new Shape(n, levels.size(), 1, 1)).toType(DataType.FLOAT32, false);
  }

}

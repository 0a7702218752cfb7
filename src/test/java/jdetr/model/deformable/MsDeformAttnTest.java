package jdetr.model.deformable;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import jdetr.model.NoGrad;
import jdetr.model.ParityFixture;
import org.junit.jupiter.api.Test;

/**
 * MSDeformAttn in inference (the Java sampler, which computes the sampling locations and applies
 * the padding itself) against the same layer with autograd recording (the row lookups, locations
 * and padding in libtorch), on random weights and inputs: odd level sizes, reference points and
 * boxes spread beyond the map, offsets of several pixels (many samples with some or all corners
 * off the map), a padded image, heads 32 wide (the vectorised path) and 5 wide. As many queries
 * as tokens (an encoder) sample the values; a few queries over a larger map (a decoder) sample the
 * input features and project the sums.
 */
class MsDeformAttnTest {

  @Test
  void inferenceEqualsTheRecordedForwardWithReferencePoints() {
    check(new int[] {13, 7, 4, 2}, new int[] {17, 9, 5, 3}, 256, 8, 4, 2, 2, 31, 1);
    check(new int[] {13, 7, 4, 2}, new int[] {17, 9, 5, 3}, 256, 8, 4, 2, 2, 310, 6);
    check(new int[] {6, 3}, new int[] {5, 2}, 15, 3, 3, 2, 3, 40, 2);
    check(new int[] {9, 5, 3, 2, 1}, new int[] {4, 2, 1, 1, 1}, 64, 2, 2, 4, 2, 17, 3);
  }

  @Test
  void inferenceEqualsTheRecordedForwardWithReferenceBoxes() {
    check(new int[] {13, 7, 4, 2}, new int[] {17, 9, 5, 3}, 256, 8, 4, 4, 2, 29, 4);
    check(new int[] {1}, new int[] {1}, 15, 3, 3, 4, 2, 7, 5);
    check(new int[] {13, 7, 4, 2}, new int[] {17, 9, 5, 3}, 256, 8, 4, 4, 2, 310, 7);
  }

  /**
   * One random layer and input; image 1 is padded (the right half of every level), and the
   * reference points have {@code refWidth} 2 (points) or 4 (boxes).
   */
  private static void check(int[] heights, int[] widths, int dModel, int heads, int points,
      int refWidth, int n, int lq, int seed) {
    FeatureLevels levels = new FeatureLevels(heights, widths);
    int l = heights.length;
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      m.getEngine().setRandomSeed(seed);
      MsDeformAttn attn = new MsDeformAttn(dModel, l, heads, points, true);
      attn.initialize(m, DataType.FLOAT32, new Shape(n, lq, dModel));
      for (Parameter p : attn.namedParameters().values()) { // offsets of several pixels
        NDArray target = p.getArray();
        target.set(m.randomNormal(0, 0.3f, target.getShape(), DataType.FLOAT32).toByteBuffer());
      }
      NDArray query = m.randomNormal(new Shape(n, lq, dModel));
      NDArray input = m.randomNormal(new Shape(n, levels.size(), dModel));
      NDArray reference = refWidth == 2
          ? m.randomUniform(-0.2f, 1.2f, new Shape(n, lq, l, 2))
          : NDArrays.concat(new NDList(m.randomUniform(-0.1f, 1.1f, new Shape(n, lq, l, 2)),
              m.randomUniform(0f, 0.6f, new Shape(n, lq, l, 2))), -1);
      NDArray mask = padding(m, levels, n);
      NDArray direct;
      try (NoGrad off = NoGrad.enter()) {
        direct = attn.forward(query, reference, input, levels, mask);
      }
      NDArray recorded;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        recorded = attn.forward(query, reference, input, levels, mask);
      }
      String what = "MSDeformAttn inference, levels " + levels + ", C " + dModel + ", M " + heads
          + ", P " + points + ", reference " + refWidth;
      // float32 sums in another order: within 2e-6 of the output's largest magnitude
      double scale = Math.max(1, recorded.abs().max().getFloat());
      ParityFixture.assertClose(what, direct, recorded, 2e-6 * scale);
      // the padding matters: without it the output differs
      try (NoGrad off = NoGrad.enter()) {
        NDArray unpadded = attn.forward(query, reference, input, levels, null);
        if (mask.any().getBoolean()) {
          assertThat(ParityFixture.maxAbsDiff(unpadded, direct)).as(what + ", no padding")
              .isGreaterThan(1e-3);
        }
      }
      assertThat(direct.abs().sum().getFloat()).isGreaterThan(0f);
    }
  }

  /** [N, S] true at the right half of every level of image 1. */
  private static NDArray padding(NDManager m, FeatureLevels levels, int n) {
    boolean[] padded = new boolean[n * levels.size()];
    for (int l = 0; n > 1 && l < levels.count(); l++) {
      int w = levels.width(l);
      for (int y = 0; y < levels.height(l); y++) {
        for (int x = (w + 1) / 2; x < w; x++) {
          padded[levels.size() + levels.start(l) + y * w + x] = true;
        }
      }
    }
    return m.create(padded, new Shape(n, levels.size())).duplicate();
  }
}

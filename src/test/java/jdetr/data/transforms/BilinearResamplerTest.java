package jdetr.data.transforms;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import jdetr.data.RgbImage;
import org.junit.jupiter.api.Test;

class BilinearResamplerTest {
  @Test
  void fusedNormalizeEqualsResizeThenNormalize() {
    Normalize n = new Normalize(AugmentationConfig.DETR.mean(), AugmentationConfig.DETR.std());
    SplittableRandom r = new SplittableRandom(3);
    int[][] sizes = {{37, 23, 37, 23}, {37, 23, 80, 23}, {37, 23, 37, 60}, {37, 23, 12, 7},
        {37, 23, 100, 71}, {64, 48, 1, 1}, {5, 90, 17, 3}, {90, 5, 3, 300}};
    for (int[] s : sizes) {
      byte[] px = new byte[3 * s[0] * s[1]];
      r.nextBytes(px);
      RgbImage in = new RgbImage(s[0], s[1], px);
      float[] fused = BilinearResampler.resizeNormalized(in, s[2], s[3], n);
      float[] twoSteps = n.pixels(BilinearResampler.resize(in, s[2], s[3]));
      assertThat(Arrays.equals(fused, twoSteps)).as(Arrays.toString(s)).isTrue();
    }
  }

  @Test
  void sameSizeIsIdentityAndConstantImagesStayConstant() {
    byte[] px = new byte[3 * 20 * 10];
    Arrays.fill(px, (byte) 200);
    RgbImage in = new RgbImage(20, 10, px);
    assertThat(BilinearResampler.resize(in, 20, 10)).isSameAs(in);
    for (int[] s : new int[][] {{7, 3}, {41, 33}, {20, 11}, {1, 10}}) {
      RgbImage out = BilinearResampler.resize(in, s[0], s[1]);
      for (byte b : out.pixels()) assertThat(b & 0xff).isEqualTo(200);
    }
  }
}

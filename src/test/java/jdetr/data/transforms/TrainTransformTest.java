package jdetr.data.transforms;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import jdetr.data.Example;
import jdetr.data.PixelTarget;
import jdetr.data.RgbImage;
import jdetr.data.Sample;
import org.junit.jupiter.api.Test;

class TrainTransformTest {
  private final TrainTransform train = new TrainTransform(AugmentationConfig.DETR);

  @Test
  void sameKeySameAugmentationAnyThreadOtherKeysDiffer() throws Exception {
    Augmentation a = train.plan(AugmentationRandom.of(42, 3, 1001), 640, 480);
    Augmentation[] other = new Augmentation[1];
    Thread t = new Thread(() -> other[0] = train.plan(AugmentationRandom.of(42, 3, 1001), 640, 480));
    t.start();
    t.join();
    assertThat(other[0]).isEqualTo(a);
    Set<Augmentation> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) seen.add(train.plan(AugmentationRandom.of(42, 3, i), 640, 480));
    assertThat(seen.size()).isGreaterThan(100); // the resize-only branch has 22 outcomes
    double u = AugmentationRandom.of(42, 3, 1001).uniform();
    assertThat(AugmentationRandom.of(42, 3, 1001).uniform()).isEqualTo(u);
    assertThat(AugmentationRandom.of(42, 4, 1001).uniform()).isNotEqualTo(u);
    assertThat(AugmentationRandom.of(43, 3, 1001).uniform()).isNotEqualTo(u);
    assertThat(AugmentationRandom.of(42, 3, 1002).uniform()).isNotEqualTo(u);
    assertThat(AugmentationRandom.of(42, 1001, 3).uniform()).isNotEqualTo(u);
  }

  @Test
  void plansFollowTheReferenceDistributions() {
    AugmentationConfig c = AugmentationConfig.DETR;
    int flips = 0, resizeOnly = 0, n = 4000;
    for (int i = 0; i < n; i++) {
      int w = 200 + i % 900, h = 150 + (i * 7) % 700;
      Augmentation a = train.plan(AugmentationRandom.of(1, 0, i), w, h);
      if (a.flip()) flips++;
      assertThat(c.scales()).contains(a.size());
      if (a.resizeOnly()) {
        resizeOnly++;
        continue;
      }
      assertThat(c.cropResizeSizes()).contains(a.cropResizeSize());
      int[] hw = ResizeRule.outputSize(w, h, a.cropResizeSize(), ResizeRule.NO_MAX);
      assertThat(a.cropWidth()).isBetween(384, Math.min(hw[1], 600));
      assertThat(a.cropHeight()).isBetween(384, Math.min(hw[0], 600));
      assertThat(a.cropTop() + a.cropHeight()).isLessThanOrEqualTo(hw[0]);
      assertThat(a.cropLeft() + a.cropWidth()).isLessThanOrEqualTo(hw[1]);
    }
    assertThat(flips).isBetween(n / 2 - 150, n / 2 + 150);
    assertThat(resizeOnly).isBetween(n / 2 - 150, n / 2 + 150);
  }

  @Test
  void smallRecipesClampTheCropToTheImage() {
    AugmentationConfig small = AugmentationConfig.DETR.scaled(0.25);
    assertThat(small.scales()).startsWith(120, 128).endsWith(200);
    assertThat(small.maxSize()).isEqualTo(333);
    TrainTransform t = new TrainTransform(small);
    for (int i = 0; i < 500; i++) {
      Augmentation a = t.plan(AugmentationRandom.of(9, 0, i), 60, 40);
      if (!a.resizeOnly()) {
        int[] hw = ResizeRule.outputSize(60, 40, a.cropResizeSize(), ResizeRule.NO_MAX);
        assertThat(a.cropTop() + a.cropHeight()).isLessThanOrEqualTo(hw[0]);
        assertThat(a.cropLeft() + a.cropWidth()).isLessThanOrEqualTo(hw[1]);
      }
    }
  }

  @Test
  void sampleIsNormalisedWithBoxesInUnitCxcywh() {
    byte[] px = new byte[3 * 64 * 48];
    for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 31);
    PixelTarget target = new PixelTarget(7, new int[] {3}, new float[] {8, 6, 40, 30},
        new float[] {768}, new boolean[1], 48, 64, 48, 64);
    Example ex = new Example(new RgbImage(64, 48, px), target);
    Sample s = train.apply(ex, 5, 0, 12);
    assertThat(s.pixels()).hasSize(3 * s.height() * s.width());
    assertThat(Math.min(s.height(), s.width())).isIn(AugmentationConfig.DETR.scales().toArray());
    float[] b = s.target().boxes();
    for (float v : b) assertThat(v).isBetween(0f, 1f);
    assertThat(s.target().origWidth()).isEqualTo(64);
    assertThat(s.target().height()).isEqualTo(s.height());
    assertThat(java.util.Arrays.equals(train.apply(ex, 5, 0, 12).pixels(), s.pixels())).isTrue();

    Sample val = new ValTransform(AugmentationConfig.DETR).apply(ex);
    assertThat(new int[] {val.height(), val.width()}).containsExactly(800, 1066);
    assertThat(val.target().boxes()).containsExactly(new float[] {24f / 64, 18f / 48, 32f / 64, 24f / 48},
        org.assertj.core.data.Offset.offset(1e-6f));
  }
}

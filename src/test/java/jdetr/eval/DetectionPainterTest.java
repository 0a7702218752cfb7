package jdetr.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class DetectionPainterTest {
  @Test
  void drawsBoxOutlineAndLeavesInsideAndSourceUntouched() {
    BufferedImage src = new BufferedImage(200, 120, BufferedImage.TYPE_INT_RGB);
    Detection d = new Detection(1, 0.9f, 50, 40, 150, 100);
    BufferedImage out = DetectionPainter.paint(src, List.of(d), label -> "shape" + label);

    assertThat(out).isNotSameAs(src);
    assertThat(out.getRGB(100, 100) & 0xFFFFFF).isNotZero(); // bottom edge drawn
    assertThat(out.getRGB(150, 70) & 0xFFFFFF).isNotZero(); // right edge drawn
    assertThat(out.getRGB(100, 75) & 0xFFFFFF).isZero(); // inside stays black
    assertThat(src.getRGB(100, 100) & 0xFFFFFF).isZero(); // input not modified
  }

  @Test
  void fillsTheMaskTranslucentlyAndNothingElse() {
    BufferedImage src = new BufferedImage(200, 120, BufferedImage.TYPE_INT_RGB);
    byte[] mask = new byte[120 * 200];
    for (int y = 60; y < 80; y++) {
      for (int x = 90; x < 110; x++) mask[y * 200 + x] = 1;
    }
    Detection d = new Detection(1, 0.9f, 50, 40, 150, 100)
        .withMask(jdetr.mask.Rle.encode(mask, 120, 200));
    BufferedImage out = DetectionPainter.paint(src, List.of(d), label -> "shape" + label);
    int inside = out.getRGB(100, 70) & 0xFFFFFF;
    assertThat(inside).isNotZero(); // tinted
    assertThat(inside).isNotEqualTo(out.getRGB(100, 100) & 0xFFFFFF); // not the opaque edge colour
    assertThat(out.getRGB(100, 85) & 0xFFFFFF).isZero(); // in the box, outside the mask
    Detection wrongSize = d.withMask(jdetr.mask.Rle.encode(new byte[4], 2, 2));
    assertThat(DetectionPainter.paint(src, List.of(wrongSize), l -> "x").getRGB(100, 70) & 0xFFFFFF)
        .isZero();
  }
}

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
}

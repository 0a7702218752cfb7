package jdetr.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import jdetr.data.ImageDecoder;
import jdetr.data.ImageLimits;
import jdetr.data.RgbImage;
import jdetr.eval.Detection;
import jdetr.mask.Rle;
import org.junit.jupiter.api.Test;

class ShapesThresholdDetectorTest {

  private final ShapesThresholdDetector detector = new ShapesThresholdDetector();
  private final ImageDecoder decoder = new ImageDecoder(ImageLimits.withMaxPixels(1 << 24));

  @Test
  void findsEveryShapeOfJpegScenesWithItsClass() throws Exception {
    int shapes = 0;
    for (long seed = 1; seed <= 12; seed++) {
      ShapesScene scene = ShapesScene.random(seed, 640, 480, 5, 0); // shapes do not overlap at rest
      double t = 0;
      byte[] jpeg = ShapesScene.jpeg(scene.render(t), 0.8f);
      RgbImage image = decoder.decode(jpeg, 0, jpeg.length);
      List<Detection> found = detector.detectFrames(List.of(image)).get(0).stream()
          .filter(d -> d.score() >= 0.5).toList();
      List<Detection> truth = scene.truth(t);
      assertThat(found).as("seed %d", seed).hasSameSizeAs(truth);
      for (Detection want : truth) {
        assertThat(found).as("seed %d: %s", seed, want)
            .anySatisfy(got -> {
              assertThat(got.label()).isEqualTo(want.label());
              assertThat(iou(got, want)).isGreaterThan(0.85);
            });
      }
      shapes += truth.size();
    }
    assertThat(shapes).isGreaterThan(40);
  }

  @Test
  void eachDetectionCarriesThePixelsOfItsShapeAsItsMask() {
    int masks = 0;
    for (long seed = 1; seed <= 6; seed++) {
      ShapesScene scene = ShapesScene.random(seed, 320, 240, 5, 0);
      RgbImage image = ImageDecoder.toRgb(scene.render(0)); // exact colours: a shape is one RGB value
      for (Detection d : detector.detectFrames(List.of(image)).get(0)) {
        Rle mask = d.mask();
        assertThat(mask).as("seed %d: %s", seed, d).isNotNull();
        assertThat(mask.height()).isEqualTo(240);
        assertThat(mask.width()).isEqualTo(320);
        // the shape's colour, read at the centre row of its box, left to right until a shape pixel
        int y = (int) ((d.y0() + d.y1()) / 2);
        int x = (int) d.x0();
        while (chroma(image, x, y) < 100) { // the background is a near-grey gradient
          x++;
        }
        byte[] expected = new byte[240 * 320];
        for (int py = 0; py < 240; py++) {
          for (int px = 0; px < 320; px++) {
            boolean same = true;
            for (int c = 0; c < 3; c++) {
              same &= image.at(px, py, c) == image.at(x, y, c);
            }
            expected[py * 320 + px] = (byte) (same ? 1 : 0);
          }
        }
        assertThat(mask).as("seed %d: %s", seed, d).isEqualTo(Rle.encode(expected, 240, 320));
        masks++;
      }
    }
    assertThat(masks).isGreaterThan(20);
  }

  @Test
  void aGreyPictureHasNoDetections() throws Exception {
    byte[] jpeg = ShapesScene.jpeg(ShapesScene.random(3, 320, 240, 0, 0).render(0), 0.8f);
    assertThat(detector.detectFrames(List.of(decoder.decode(jpeg, 0, jpeg.length))).get(0)).isEmpty();
  }

  @Test
  void answersEveryImageOfABatchInOrder() throws Exception {
    ShapesScene a = ShapesScene.random(1, 320, 240, 2, 0);
    ShapesScene b = ShapesScene.random(2, 320, 240, 5, 0);
    RgbImage first = ImageDecoder.toRgb(a.render(0));
    List<List<Detection>> out = detector.detect(List.of(detector.prepare(first),
        detector.prepare(ImageDecoder.toRgb(b.render(0))), detector.prepare(first)));
    assertThat(out).hasSize(3);
    assertThat(out.get(0)).hasSize(2);
    assertThat(out.get(1)).hasSize(5);
    assertThat(out.get(2)).isEqualTo(out.get(0));
  }

  private static int chroma(RgbImage image, int x, int y) {
    int r = image.at(x, y, 0);
    int g = image.at(x, y, 1);
    int b = image.at(x, y, 2);
    return Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b));
  }

  static double iou(Detection a, Detection b) {
    double ix = Math.max(0, Math.min(a.x1(), b.x1()) - Math.max(a.x0(), b.x0()));
    double iy = Math.max(0, Math.min(a.y1(), b.y1()) - Math.max(a.y0(), b.y0()));
    double inter = ix * iy;
    double union = (a.x1() - a.x0()) * (a.y1() - a.y0()) + (b.x1() - b.x0()) * (b.y1() - b.y0()) - inter;
    return inter / union;
  }
}

package jdetr.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import javax.imageio.ImageIO;
import jdetr.data.ImageDecoder;
import jdetr.data.ImageLimits;
import jdetr.data.ImageRejectedException;
import jdetr.data.RgbImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
/** The image decoder on frames as the server receives them: bytes at an offset, no file name. */
class ImageDecoderFramesTest {

  private final ImageDecoder decoder = new ImageDecoder(ImageLimits.withMaxPixels(1 << 22));
  private final ShapesScene scene = ShapesScene.random(7, 320, 240, 4, 0);

  @Test
  void decodesJpegAndPngToRgbOfTheirSize() throws Exception {
    byte[] jpeg = ShapesScene.jpeg(scene.render(0), 0.9f);
    RgbImage a = decoder.decode(jpeg, 0, jpeg.length);
    assertThat(a.width()).isEqualTo(320);
    assertThat(a.height()).isEqualTo(240);
    assertThat(a.pixels()).hasSize(3 * 320 * 240);

    BufferedImage rendered = scene.render(0);
    byte[] png = png(rendered);
    RgbImage b = decoder.decode(png, 0, png.length);
    for (int[] xy : new int[][] {{10, 10}, {160, 120}, {319, 239}}) {
      int rgb = rendered.getRGB(xy[0], xy[1]);
      assertThat(new int[] {b.at(xy[0], xy[1], 0), b.at(xy[0], xy[1], 1), b.at(xy[0], xy[1], 2)})
          .containsExactly((rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF);
    }
  }

  @Test
  void decodesAtAnOffset() throws Exception {
    byte[] jpeg = ShapesScene.jpeg(scene.render(0), 0.9f);
    byte[] framed = new byte[8 + jpeg.length];
    System.arraycopy(jpeg, 0, framed, 8, jpeg.length);
    assertThat(decoder.decode(framed, 8, jpeg.length).width()).isEqualTo(320);
  }

  @Test
  void grayscalePngBecomesRgb() throws Exception {
    BufferedImage gray = new BufferedImage(40, 30, BufferedImage.TYPE_BYTE_GRAY);
    gray.getRaster().setSample(5, 5, 0, 200);
    byte[] png = png(gray);
    RgbImage rgb = decoder.decode(png, 0, png.length);
    assertThat(new int[] {rgb.at(5, 5, 0), rgb.at(5, 5, 1), rgb.at(5, 5, 2)}).containsExactly(200, 200, 200);
    assertThat(rgb.at(6, 5, 0)).isZero();
  }

  @Test
  void refusesBytesThatAreNotAnImage() {
    byte[] text = HostileImages.notAnImage();
    assertThatThrownBy(() -> decoder.decode(text, 0, text.length))
        .isInstanceOf(ImageRejectedException.class).hasMessageStartingWith("not_an_image: 46 bytes starting with '3c68746d'");
    assertThatThrownBy(() -> decoder.decode(new byte[0], 0, 0))
        .hasMessageStartingWith("not_an_image: 0 bytes");
  }

  @Test
  void refusesTruncatedJpegAndPng() {
    byte[] jpeg = HostileImages.truncated(ShapesScene.jpeg(scene.render(0), 0.9f));
    assertThatThrownBy(() -> decoder.decode(jpeg, 0, jpeg.length))
        .isInstanceOf(ImageRejectedException.class).hasMessageStartingWith("truncated(WARNING_NO_EOI): jpeg data of");
    byte[] png = HostileImages.truncated(png(scene.render(0)));
    assertThatThrownBy(() -> decoder.decode(png, 0, png.length))
        .isInstanceOf(ImageRejectedException.class).hasMessageStartingWith("truncated(no IEND): png data of");
  }

  @Test
  void refusesHugeDeclaredDimensionsBeforeDecoding() {
    long before = usedHeap();
    byte[] jpeg = HostileImages.jpegDeclaring(ShapesScene.jpeg(scene.render(0), 0.9f), 60000, 60000);
    assertThatThrownBy(() -> decoder.decode(jpeg, 0, jpeg.length))
        .isInstanceOf(ImageRejectedException.class)
        .hasMessage("too_many_pixels(60000x60000): the limit is 4194304 pixels");
    byte[] png = HostileImages.pngDeclaring(100_000, 100_000, 200);
    assertThat(png.length).isLessThan(64 << 10); // inflates to 200 rows of 300001 bytes = 60 MB
    assertThatThrownBy(() -> decoder.decode(png, 0, png.length))
        .hasMessage("too_many_pixels(100000x100000): the limit is 4194304 pixels");
    assertThat(usedHeap() - before).isLessThan(16L << 20);
  }

  @Test
  void pixelLimitIsInclusive() throws Exception {
    byte[] png = png(new BufferedImage(100, 100, BufferedImage.TYPE_INT_RGB));
    assertThat(new ImageDecoder(ImageLimits.withMaxPixels(10_000)).decode(png, 0, png.length).width()).isEqualTo(100);
    assertThatThrownBy(() -> new ImageDecoder(ImageLimits.withMaxPixels(9_999)).decode(png, 0, png.length))
        .hasMessageStartingWith("too_many_pixels(100x100)");
  }

  static byte[] png(BufferedImage image) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ImageIO.write(image, "png", out);
      return out.toByteArray();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long usedHeap() {
    Runtime rt = Runtime.getRuntime();
    System.gc();
    return rt.totalMemory() - rt.freeMemory();
  }
}

package jdetr.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDecoderTest {
  @TempDir Path dir;
  private final ImageDecoder decoder = new ImageDecoder(ImageLimits.DEFAULT);

  private static byte[] encode(BufferedImage image, String format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, format, out);
    return out.toByteArray();
  }

  private static BufferedImage pattern(int type, int w, int h) {
    BufferedImage image = new BufferedImage(w, h, type);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        image.setRGB(x, y, 0xff000000 | (x * 7 & 0xff) << 16 | (y * 11 & 0xff) << 8 | (x ^ y) & 0xff);
      }
    }
    return image;
  }

  @Test
  void pngDecodesToTheExactRgbBytes() throws IOException {
    BufferedImage source = pattern(BufferedImage.TYPE_3BYTE_BGR, 37, 23);
    RgbImage rgb = decoder.decode("p.png", encode(source, "png"));
    assertThat(rgb.width()).isEqualTo(37);
    assertThat(rgb.height()).isEqualTo(23);
    for (int y = 0; y < 23; y++) {
      for (int x = 0; x < 37; x++) {
        int argb = source.getRGB(x, y);
        assertThat(new int[] {rgb.at(x, y, 0), rgb.at(x, y, 1), rgb.at(x, y, 2)})
            .containsExactly(argb >> 16 & 0xff, argb >> 8 & 0xff, argb & 0xff);
      }
    }
  }

  @Test
  void alphaIsDroppedAndGrayIsReplicatedWithoutGammaLikePil() throws IOException {
    BufferedImage argb = pattern(BufferedImage.TYPE_INT_ARGB, 9, 5);
    argb.setRGB(0, 0, 0x40102030);
    RgbImage rgb = decoder.decode("a.png", encode(argb, "png"));
    assertThat(new int[] {rgb.at(0, 0, 0), rgb.at(0, 0, 1), rgb.at(0, 0, 2)})
        .containsExactly(0x10, 0x20, 0x30);

    BufferedImage gray = new BufferedImage(4, 3, BufferedImage.TYPE_BYTE_GRAY);
    byte[] g = ((java.awt.image.DataBufferByte) gray.getRaster().getDataBuffer()).getData();
    for (int i = 0; i < g.length; i++) g[i] = (byte) (i * 20);
    RgbImage fromGray = decoder.decode("g.png", encode(gray, "png"));
    for (int i = 0; i < g.length; i++) {
      assertThat(fromGray.at(i % 4, i / 4, 0)).isEqualTo(i * 20);
      assertThat(fromGray.at(i % 4, i / 4, 2)).isEqualTo(i * 20);
    }

    byte[] r = {0, (byte) 200}, gr = {0, 100}, b = {0, 50};
    BufferedImage palette = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_INDEXED,
        new IndexColorModel(1, 2, r, gr, b));
    palette.getRaster().setSample(1, 1, 0, 1);
    RgbImage fromPalette = decoder.decode("i.png", encode(palette, "png"));
    assertThat(new int[] {fromPalette.at(1, 1, 0), fromPalette.at(1, 1, 1), fromPalette.at(1, 1, 2)})
        .containsExactly(200, 100, 50);
  }

  @Test
  void jpegDecodesCloseToTheSource() throws IOException {
    BufferedImage source = pattern(BufferedImage.TYPE_3BYTE_BGR, 64, 48);
    RgbImage rgb = decoder.decode(dir.resolve("x.jpg").toString(), encode(source, "jpg"));
    assertThat(rgb.width()).isEqualTo(64);
    long diff = 0;
    for (int y = 0; y < 48; y++) {
      for (int x = 0; x < 64; x++) diff += Math.abs(rgb.at(x, y, 0) - (source.getRGB(x, y) >> 16 & 0xff));
    }
    assertThat(diff / (64.0 * 48)).isLessThan(12);
  }

  private long allocatedBytes() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }

  private String reason(Path file) {
    return catchThrowableOfType(ImageRejectedException.class, () -> decoder.decode(file)).reason();
  }

  @Test
  void hostileFilesAreRefusedBeforeDecodingWithTheirReason() throws IOException {
    byte[] jpeg = encode(pattern(BufferedImage.TYPE_3BYTE_BGR, 64, 48), "jpg");
    Files.write(dir.resolve("truncated.jpg"), Arrays.copyOf(jpeg, jpeg.length * 2 / 3));
    Files.writeString(dir.resolve("text.jpg"), "GIF89a? no: plain text");
    Files.write(dir.resolve("huge.jpg"), HostileImages.jpegHeader(60_000, 60_000));
    Files.write(dir.resolve("bomb.png"), HostileImages.pngBomb(100_000, 100_000));
    Files.write(dir.resolve("empty.png"), new byte[0]);
    decoder.decode("warm.jpg", jpeg);

    long before = allocatedBytes();
    assertThat(reason(dir.resolve("absent.jpg"))).isEqualTo("missing");
    assertThat(reason(dir.resolve("truncated.jpg"))).isEqualTo("truncated(WARNING_NO_EOI)");
    assertThat(reason(dir.resolve("text.jpg"))).isEqualTo("not_an_image");
    assertThat(reason(dir.resolve("empty.png"))).isEqualTo("not_an_image");
    assertThat(reason(dir.resolve("huge.jpg"))).isEqualTo("too_many_pixels(60000x60000)");
    assertThat(reason(dir.resolve("bomb.png"))).isEqualTo("too_many_pixels(100000x100000)");
    assertThat(allocatedBytes() - before).isLessThan(20L << 20);

    ImageDecoder tight = new ImageDecoder(new ImageLimits(100, 30_000, 100L << 20));
    assertThat(catchThrowableOfType(ImageRejectedException.class,
        () -> tight.decode("small.jpg", jpeg)).reason()).isEqualTo("too_many_pixels(64x48)");
    ImageDecoder tinyFiles = new ImageDecoder(new ImageLimits(1 << 20, 30_000, 100));
    assertThat(catchThrowableOfType(ImageRejectedException.class,
        () -> tinyFiles.decode(dir.resolve("truncated.jpg"))).reason()).startsWith("file_too_large(");
  }

  @Test
  void headerReadsDimensionsWithoutDecoding() throws IOException {
    Path png = dir.resolve("a.png");
    Files.write(png, encode(pattern(BufferedImage.TYPE_3BYTE_BGR, 33, 17), "png"));
    assertThat(ImageHeader.read(png)).isEqualTo(new ImageHeader(ImageHeader.Format.PNG, 33, 17));
    Path jpg = dir.resolve("a.jpg");
    Files.write(jpg, encode(pattern(BufferedImage.TYPE_3BYTE_BGR, 35, 19), "jpg"));
    assertThat(ImageHeader.read(jpg)).isEqualTo(new ImageHeader(ImageHeader.Format.JPEG, 35, 19));
  }
}

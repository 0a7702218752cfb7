package jdetr.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** {@link PanopticPng}: ids over the three channels, RGB and RGBA in, other PNGs refused. */
class PanopticPngTest {
  private static byte[] png(BufferedImage image) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }

  @Test
  void idsRoundTripOverAllThreeChannels() throws Exception {
    int[] ids = {0, 1, 255, 256, 65535, 65536, 0xabcdef, PanopticPng.MAX_ID};
    PanopticPng back = PanopticPng.decode(new PanopticPng(4, 2, ids).encode(), "ids");
    assertThat(back.ids()).containsExactly(ids);
    assertThat(back.id(2, 1)).isEqualTo(0xabcdef);
    assertThatThrownBy(() -> new PanopticPng(1, 1, new int[] {1 << 24}).encode())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16777216");
  }

  @Test
  void rgbaIsReadWithoutItsAlpha() throws Exception {
    BufferedImage rgba = new BufferedImage(3, 1, BufferedImage.TYPE_INT_ARGB);
    rgba.setRGB(0, 0, 0x80_01_02_03); // alpha 0x80, R 1, G 2, B 3
    rgba.setRGB(1, 0, 0xff_00_00_00);
    rgba.setRGB(2, 0, 0x00_ff_00_07);
    PanopticPng p = PanopticPng.decode(png(rgba), "rgba");
    assertThat(p.ids()).containsExactly(1 + 2 * 256 + 3 * 65536, 0, 255 + 7 * 65536);
  }

  @Test
  void grayAndPalettePngsAreRefused() throws Exception {
    assertThatThrownBy(() -> PanopticPng.decode(
        png(new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY)), "gray.png"))
        .isInstanceOf(CocoFormatException.class).hasMessageContaining("gray.png")
        .hasMessageContaining("must be an RGB PNG");
    assertThatThrownBy(() -> PanopticPng.decode(
        png(new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_INDEXED)), "palette.png"))
        .isInstanceOf(CocoFormatException.class).hasMessageContaining("palette");
    assertThatThrownBy(() -> PanopticPng.decode(new byte[] {1, 2, 3}, "junk.png"))
        .isInstanceOf(CocoFormatException.class).hasMessageContaining("junk.png");
  }
}

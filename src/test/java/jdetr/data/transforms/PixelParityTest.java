package jdetr.data.transforms;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import jdetr.data.Example;
import jdetr.data.ImageDecoder;
import jdetr.data.ImageLimits;
import jdetr.data.PixelTarget;
import jdetr.data.RgbImage;
import jdetr.data.Sample;
import org.junit.jupiter.api.Test;

/**
 * Pixels against PIL + torchvision: every resize and whole pipelines (flip, resize, crop, resize,
 * ToTensor, Normalize) must give the same bytes / the same float32 values, bit for bit.
 */
class PixelParityTest {
  private final ImageDecoder decoder = new ImageDecoder(ImageLimits.DEFAULT);

  private RgbImage image(String name) throws IOException {
    return decoder.decode(name, ParityFixtures.bytes(name));
  }

  private static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void bilinearResizeIsBitExactWithPil() throws IOException {
    JsonNode cases = ParityFixtures.json("pixels.json").get("resize");
    assertThat(cases.size()).isEqualTo(18);
    for (JsonNode c : cases) {
      RgbImage in = image(c.get("input").asText());
      int h = c.get("height").asInt(), w = c.get("width").asInt();
      RgbImage out = BilinearResampler.resize(in, w, h);
      assertThat(sha256(out.pixels())).as(c.get("input").asText() + " -> " + w + "x" + h)
          .isEqualTo(c.get("sha256").asText());
    }
  }

  @Test
  void trainPipelinesGiveTheReferenceFloats() throws IOException {
    JsonNode cases = ParityFixtures.json("pixels.json").get("pipelines");
    assertThat(ParityFixtures.json("pixels.json").get("normalize_is_the_float32_formula").asBoolean())
        .isTrue();
    for (JsonNode c : cases) {
      JsonNode p = c.get("plan");
      AugmentationConfig d = AugmentationConfig.DETR;
      AugmentationConfig config = new AugmentationConfig(d.scales(), p.get("max_size").asInt(),
          d.cropResizeSizes(), d.cropMinSize(), d.cropMaxSize(), 0.5, 0.5, d.valSize(), d.mean(),
          d.std());
      Augmentation a = p.get("resize_only").asBoolean()
          ? Augmentation.resize(p.get("flip").asBoolean(), p.get("size").asInt())
          : Augmentation.cropped(p.get("flip").asBoolean(), p.get("crop_resize_size").asInt(),
              p.get("crop").get(0).asInt(), p.get("crop").get(1).asInt(),
              p.get("crop").get(2).asInt(), p.get("crop").get(3).asInt(), p.get("size").asInt());
      RgbImage in = image(c.get("input").asText());
      PixelTarget none = new PixelTarget(0, new int[0], new float[0], new float[0], new boolean[0],
          in.height(), in.width(), in.height(), in.width());
      TrainTransform train = new TrainTransform(config);
      Example augmented = train.augment(new Example(in, none), a);
      assertThat(sha256(augmented.image().pixels())).as("pixels " + p)
          .isEqualTo(c.get("pixels_sha256").asText());
      Sample s = train.apply(new Example(in, none), a);
      List<Integer> shape = List.of(3, s.height(), s.width());
      assertThat(shape).isEqualTo(List.of(ParityFixtures.ints(c.get("shape"))[0],
          ParityFixtures.ints(c.get("shape"))[1], ParityFixtures.ints(c.get("shape"))[2]));
      ByteBuffer le = ByteBuffer.allocate(4 * s.pixels().length).order(ByteOrder.LITTLE_ENDIAN);
      le.asFloatBuffer().put(s.pixels());
      if (c.has("raw")) {
        float[] expected = new float[s.pixels().length];
        ByteBuffer.wrap(ParityFixtures.bytes(c.get("raw").asText())).order(ByteOrder.LITTLE_ENDIAN)
            .asFloatBuffer().get(expected);
        assertThat(s.pixels()).containsExactly(expected);
      }
      assertThat(sha256(le.array())).as("normalised " + p).isEqualTo(c.get("sha256").asText());
    }
  }
}

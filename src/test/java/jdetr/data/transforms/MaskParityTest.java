package jdetr.data.transforms;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import jdetr.data.CocoAnnotationReader;
import jdetr.data.CocoDataset;
import jdetr.data.InstanceMasks;
import jdetr.data.PixelTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Instance masks against the reference (parity/data/masks.json): ConvertCocoPolysToMask with
 * return_masks on polygons, multi-polygons, uncompressed RLE and crowds; hflip; resize (nearest,
 * including exact doubling and halving); crop; whole train pipelines with given choices. Every
 * mask must be bit for bit the reference's (SHA-1 of the uint8 [N, H, W] bytes).
 */
class MaskParityTest {
  @TempDir Path dir;

  private static String sha1(byte[] data) throws NoSuchAlgorithmException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(data));
  }

  private static void assertMasks(String what, JsonNode expected, PixelTarget t)
      throws NoSuchAlgorithmException {
    InstanceMasks m = t.masks();
    assertThat(new int[] {m.count(), m.height(), m.width()}).as(what + " shape")
        .containsExactly(ParityFixtures.ints(expected.get("shape")));
    assertThat(t.labels()).as(what + " labels")
        .containsExactly(ParityFixtures.ints(expected.get("labels")));
    assertThat(new int[] {t.height(), t.width()}).as(what + " size")
        .containsExactly(ParityFixtures.ints(expected.get("size")));
    long[] areas = new long[m.count()];
    for (int i = 0; i < areas.length; i++) areas[i] = m.area(i);
    assertThat(areas).as(what + " areas").containsExactly(
        java.util.Arrays.stream(ParityFixtures.ints(expected.get("areas"))).asLongStream().toArray());
    assertThat(sha1(m.pixels())).as(what + " sha1").isEqualTo(expected.get("sha1").asText());
  }

  /** ConvertCocoPolysToMask through our dataset opened with masks: a one-image COCO file. */
  private PixelTarget prepare(int width, int height, JsonNode annotations) throws IOException {
    ObjectNode root = ParityFixtures.JSON.createObjectNode();
    root.putArray("images").addObject().put("id", 5).put("file_name", "x.jpg")
        .put("width", width).put("height", height);
    ArrayNode anns = root.putArray("annotations");
    for (JsonNode a : annotations) anns.add(((ObjectNode) a.deepCopy()).put("image_id", 5));
    root.putArray("categories").addObject().put("id", 1).put("name", "thing");
    Path file = dir.resolve("case.json");
    Files.writeString(file, ParityFixtures.JSON.writeValueAsString(root));
    return new CocoDataset(CocoAnnotationReader.read(file), dir).withMasks(true)
        .target(0, width, height);
  }

  private static PixelTarget resize(PixelTarget t, int size, int maxSize) {
    int[] hw = ResizeRule.outputSize(t.width(), t.height(), size, maxSize);
    return Resize.target(t, t.width(), t.height(), hw[1], hw[0]);
  }

  @Test
  void prepareFlipResizeCrop() throws Exception {
    int objects = 0;
    for (JsonNode c : ParityFixtures.json("masks.json").get("cases")) {
      int w = c.get("width").asInt(), h = c.get("height").asInt();
      String what = "case " + w + "x" + h + " ";
      PixelTarget t = prepare(w, h, c.get("annotations"));
      assertMasks(what + "prepared", c.get("prepared"), t);
      objects += t.size();
      assertMasks(what + "hflip", c.get("hflip"), HorizontalFlip.target(t, w));
      for (JsonNode r : c.get("resize")) {
        assertMasks(what + "resize " + r.get("size"), r.get("masks"),
            resize(t, r.get("size").asInt(), r.get("max_size").asInt()));
      }
      int[] region = ParityFixtures.ints(c.get("crop").get("region"));
      assertMasks(what + "crop", c.get("crop").get("masks"),
          Crop.target(t, region[0], region[1], region[2], region[3]));
    }
    assertThat(objects).as("objects checked").isGreaterThan(30);
  }

  @Test
  void trainPipelines() throws Exception {
    for (JsonNode c : ParityFixtures.json("masks.json").get("pipelines")) {
      int w = c.get("width").asInt(), h = c.get("height").asInt();
      JsonNode plan = c.get("plan");
      PixelTarget t = prepare(w, h, c.get("annotations"));
      if (plan.get("flip").asBoolean()) t = HorizontalFlip.target(t, w);
      if (!plan.get("resize_only").asBoolean()) {
        t = resize(t, plan.get("crop_resize_size").asInt(), ResizeRule.NO_MAX);
        int[] region = ParityFixtures.ints(plan.get("crop"));
        t = Crop.target(t, region[0], region[1], region[2], region[3]);
      }
      t = resize(t, plan.get("size").asInt(), plan.get("max_size").asInt());
      assertMasks("pipeline " + plan, c.get("masks"), t);
    }
  }

  @Test
  void nearestIndexFollowsTorch() {
    // doubling reads every source twice; 3 -> 7 reads floor(d * 0.42857143f)
    assertThat(InstanceMasks.nearestIndex(3, 6)).containsExactly(0, 0, 1, 1, 2, 2);
    assertThat(InstanceMasks.nearestIndex(3, 7)).containsExactly(0, 0, 0, 1, 1, 2, 2);
    assertThat(InstanceMasks.nearestIndex(7, 3)).containsExactly(0, 2, 4);
  }
}

package jdetr.data.transforms;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jdetr.data.CocoDataset;
import jdetr.data.CocoAnnotationReader;
import jdetr.data.PixelTarget;
import jdetr.data.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Box, label, area and size logic against the reference: ConvertCocoPolysToMask, hflip, resize,
 * crop, Normalize, and whole train pipelines with given choices. Boxes must agree within 1e-5;
 * they in fact agree exactly (float32 arithmetic in the same order).
 */
class TargetParityTest {
  @TempDir Path dir;
  private double maxDiff;

  private void assertTarget(String what, JsonNode expected, float[] boxes, int[] labels,
      float[] area, int height, int width) {
    float[] eb = ParityFixtures.floats(expected.get("boxes"));
    assertThat(labels).as(what + " labels").containsExactly(ParityFixtures.ints(expected.get("labels")));
    assertThat(boxes).as(what + " boxes").hasSameSizeAs(eb);
    for (int i = 0; i < eb.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(eb[i] - boxes[i]));
      assertThat(boxes[i]).as(what + " box value " + i).isEqualTo(eb[i]);
    }
    float[] ea = ParityFixtures.floats(expected.get("area"));
    for (int i = 0; i < ea.length; i++) {
      assertThat(area[i]).as(what + " area " + i).isCloseTo(ea[i], org.assertj.core.data.Offset.offset(Math.abs(ea[i]) * 1e-6f));
    }
    assertThat(new int[] {height, width}).as(what + " size")
        .containsExactly(ParityFixtures.ints(expected.get("size")));
  }

  private void assertTarget(String what, JsonNode expected, PixelTarget t) {
    assertTarget(what, expected, t.boxes(), t.labels(), t.area(), t.height(), t.width());
  }

  /** ConvertCocoPolysToMask through our dataset: a one-image COCO file per case. */
  private PixelTarget prepare(int width, int height, JsonNode annotations) throws IOException {
    ObjectNode root = ParityFixtures.JSON.createObjectNode();
    root.putArray("images").addObject().put("id", 5).put("file_name", "x.jpg")
        .put("width", width).put("height", height);
    ArrayNode anns = root.putArray("annotations");
    for (JsonNode a : annotations) anns.add(((ObjectNode) a.deepCopy()).put("image_id", 5));
    root.putArray("categories").addObject().put("id", 1).put("name", "thing");
    Path file = dir.resolve("case.json");
    Files.writeString(file, ParityFixtures.JSON.writeValueAsString(root));
    return new CocoDataset(CocoAnnotationReader.read(file), dir).target(0, width, height);
  }

  @Test
  void convertCocoPolysToMask() throws IOException {
    JsonNode cases = ParityFixtures.json("targets.json").get("prepare");
    for (JsonNode c : cases) {
      int w = c.get("width").asInt(), h = c.get("height").asInt();
      assertTarget("prepare " + c.get("annotations"), c.get("target"),
          prepare(w, h, c.get("annotations")));
    }
    assertThat(maxDiff).isZero();
  }

  @Test
  void flipResizeCropNormalize() throws IOException {
    JsonNode cases = ParityFixtures.json("targets.json").get("ops");
    int checked = 0;
    for (JsonNode c : cases) {
      int w = c.get("width").asInt(), h = c.get("height").asInt();
      PixelTarget in = ParityFixtures.target(c.get("input"), w, h);
      assertTarget("hflip", c.get("hflip"), HorizontalFlip.target(in, w));

      JsonNode r = c.get("resize");
      int[] hw = ResizeRule.outputSize(w, h, r.get("size").asInt(), r.get("max_size").asInt());
      assertTarget("resize", r.get("target"), Resize.target(in, w, h, hw[1], hw[0]));

      int[] region = ParityFixtures.ints(c.get("crop").get("region"));
      assertTarget("crop " + c.get("crop").get("region"), c.get("crop").get("target"),
          Crop.target(in, region[0], region[1], region[2], region[3]));

      Target n = Normalize.target(in);
      assertTarget("normalize", c.get("normalize"), n.boxes(), n.labels(), n.area(), n.height(),
          n.width());
      checked++;
    }
    assertThat(checked).isEqualTo(80);
    assertThat(maxDiff).isZero();
  }

  @Test
  void wholeTrainPipelinesWithGivenChoices() throws IOException {
    JsonNode cases = ParityFixtures.json("targets.json").get("pipelines");
    TrainTransform train = new TrainTransform(AugmentationConfig.DETR);
    for (JsonNode c : cases) {
      int w = c.get("width").asInt(), h = c.get("height").asInt();
      JsonNode p = c.get("plan");
      Augmentation a = p.get("resize_only").asBoolean()
          ? Augmentation.resize(p.get("flip").asBoolean(), p.get("size").asInt())
          : Augmentation.cropped(p.get("flip").asBoolean(), p.get("crop_resize_size").asInt(),
              p.get("crop").get(0).asInt(), p.get("crop").get(1).asInt(),
              p.get("crop").get(2).asInt(), p.get("crop").get(3).asInt(), p.get("size").asInt());
      PixelTarget t = train.augmentTarget(prepare(w, h, c.get("annotations")), w, h, a);
      Target n = Normalize.target(t);
      assertTarget("pipeline " + p, c.get("target"), n.boxes(), n.labels(), n.area(), n.height(),
          n.width());
    }
    assertThat(maxDiff).isZero();
  }
}

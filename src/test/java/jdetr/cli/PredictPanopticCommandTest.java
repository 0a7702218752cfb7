package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import jdetr.checkpoint.ModelWeights;
import jdetr.data.PanopticPng;
import jdetr.eval.panoptic.PanopticFixture;
import jdetr.model.DetectionTransformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jdetr synth --panoptic}, then {@code jdetr predict --panoptic} with a small random
 * DETRsegm saved as jdetr weights, then {@code jdetr eval --panoptic} of the predictions.
 */
class PredictPanopticCommandTest {

  @Test
  void predictsWritesResultsThatEvalAcceptsAndDraws(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    CommandRun synth = CommandRun.of("synth", "--panoptic", "--out", data.toString(), "--train", "1", "--val", "2",
        "--size", "80", "--seed", "3");
    assertThat(synth.code()).as(synth.err()).isZero();
    assertThat(synth.out()).contains("\"num_classes\":8").contains("\"stuff\":2");
    Path categories = data.resolve("annotations/panoptic_val2017.json");

    Path weights = dir.resolve("weights");
    Engine.getInstance().setRandomSeed(11);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      DetectionTransformer model = PanopticFixture.peakedModel(m);
      ModelWeights.save(weights, model, new TreeMap<>(Map.of(1, "ellipse", 2, "rectangle")));
    }
    Path image = data.resolve("val2017/000000000002.jpg");
    Path out = dir.resolve("pred");
    CommandRun p = CommandRun.of("predict", "--panoptic", "--weights", weights.toString(), "--image",
        image.toString(), "--categories", categories.toString(), "--size", "64",
        "--out", out.toString());
    assertThat(p.code()).as(p.err()).isZero();
    assertThat(p.out()).contains("segments (threshold 0.85, 8 classes)");

    JsonNode annotations = new ObjectMapper().readTree(out.resolve("predictions.json").toFile())
        .get("annotations");
    assertThat(annotations).hasSize(1);
    JsonNode a = annotations.get(0);
    assertThat(a.get("image_id").asLong()).isEqualTo(2);
    assertThat(a.get("file_name").asText()).isEqualTo("000000000002.png");
    PanopticPng png = PanopticPng.read(out.resolve("000000000002.png"));
    BufferedImage original = ImageIO.read(image.toFile());
    assertThat(png.width()).isEqualTo(original.getWidth());
    assertThat(png.height()).isEqualTo(original.getHeight());
    // the PNG's ids are exactly segments_info's, with their areas
    Map<Integer, Long> areas = new HashMap<>();
    for (int id : png.ids()) {
      areas.merge(id, 1L, Long::sum);
    }
    Map<Integer, Long> listed = new HashMap<>();
    for (JsonNode s : a.get("segments_info")) {
      listed.put(s.get("id").asInt(), s.get("area").asLong());
      // names printed come from --categories (the weights name only 1 and 2)
      assertThat(p.out()).doesNotContain("class " + s.get("category_id").asInt() + " ");
    }
    assertThat(listed).isNotEmpty().isEqualTo(areas);
    BufferedImage drawn = ImageIO.read(out.resolve("drawn.png").toFile());
    assertThat(drawn.getWidth()).isEqualTo(original.getWidth());
    assertThat(drawn.getHeight()).isEqualTo(original.getHeight());

    // the predictions as a ground truth (ids from 1: 0 is VOID there): eval scores them PQ 1
    Path gtFolder = Files.createDirectories(dir.resolve("gt"));
    int[] shifted = png.ids().clone();
    for (int i = 0; i < shifted.length; i++) {
      shifted[i]++;
    }
    Files.write(gtFolder.resolve("000000000002.png"),
        new PanopticPng(png.width(), png.height(), shifted).encode());
    ObjectMapper json = new ObjectMapper();
    ObjectNode gt = json.createObjectNode();
    gt.set("categories", json.readTree(categories.toFile()).get("categories"));
    ObjectNode ga = gt.putArray("annotations").addObject();
    ga.put("image_id", 2).put("file_name", "000000000002.png");
    ArrayNode info = ga.putArray("segments_info");
    for (JsonNode s : a.get("segments_info")) {
      info.addObject().put("id", s.get("id").asInt() + 1).put("category_id",
          s.get("category_id").asInt()).put("iscrowd", 0).put("area", s.get("area").asLong());
    }
    Path gtJson = dir.resolve("gt.json");
    json.writeValue(gtJson.toFile(), gt);
    CommandRun eval = CommandRun.of("eval", "--panoptic", "--gt", gtJson.toString(), "--gt-folder",
        gtFolder.toString(), "--dt", out.resolve("predictions.json").toString(), "--dt-folder",
        out.toString(), "--json");
    assertThat(eval.code()).as(eval.err()).isZero();
    JsonNode pq = json.readTree(eval.out());
    assertThat(pq.get("All").get("pq").asDouble()).isEqualTo(1.0);
    assertThat(pq.get("All").get("n").asInt()).isEqualTo(
        (int) a.findValues("category_id").stream().map(JsonNode::asInt).distinct().count());
  }

  @Test
  void stuffMustBeKnownAndMasksPresent(@TempDir Path dir) throws Exception {
    Path weights = dir.resolve("weights");
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      ModelWeights.save(weights, PanopticFixture.peakedModel(m), new TreeMap<>());
    }
    Path image = dir.resolve("in.png");
    ImageIO.write(new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB), "png", image.toFile());
    CommandRun noCategories = CommandRun.of("predict", "--panoptic", "--weights", weights.toString(), "--image",
        image.toString(), "--size", "32", "--out", dir.resolve("o").toString());
    assertThat(noCategories.code()).isEqualTo(2);
    assertThat(noCategories.err()).contains("8 classes").contains("--categories");
    CommandRun noOut = CommandRun.of("predict", "--panoptic", "--weights", weights.toString(), "--image",
        image.toString());
    assertThat(noOut.code()).isEqualTo(2);
    assertThat(noOut.err()).contains("--out DIR");

    Path boxes = dir.resolve("boxes");
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      ModelWeights.save(boxes, jdetr.model.Detr.create(jdetr.model.DetrConfig.builder()
          .backbone("resnet18").hiddenDim(32).nheads(4).encLayers(1).decLayers(1)
          .dimFeedforward(32).numQueries(2).numClasses(250).build(), m), new TreeMap<>());
    }
    CommandRun noMasks = CommandRun.of("predict", "--panoptic", "--weights", boxes.toString(), "--image",
        image.toString(), "--size", "32", "--out", dir.resolve("o").toString());
    assertThat(noMasks.code()).isEqualTo(2);
    assertThat(noMasks.err()).contains("no mask head");
  }
}

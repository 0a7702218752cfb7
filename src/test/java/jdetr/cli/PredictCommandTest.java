package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import jdetr.checkpoint.ModelWeights;
import jdetr.model.Detr;
import jdetr.model.DetrConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PredictCommandTest {

  @Test
  void predictsFromJdetrWeightsAndWritesDrawingAndRawOutputs(@TempDir Path dir) throws Exception {
    DetrConfig config = DetrConfig.builder().backbone("resnet18").hiddenDim(32).nheads(4).encLayers(1)
        .decLayers(3).dimFeedforward(64).numQueries(5).numClasses(4).build();
    Path weights = dir.resolve("weights");
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      ModelWeights.save(weights, Detr.create(config, m), Map.of(1, "square", 2, "disc", 3, "triangle"));
    }
    BufferedImage img = new BufferedImage(120, 90, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.ORANGE);
    g.fillRect(20, 15, 50, 40);
    g.dispose();
    Path image = dir.resolve("in.png");
    ImageIO.write(img, "png", image.toFile());

    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    PrintStream previous = System.out;
    int rc;
    try {
      System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
      rc = new CommandLine(new Main()).execute("predict", "--weights", weights.toString(),
          "--image", image.toString(), "--threshold", "0", "--size", "64",
          "--out", dir.resolve("out.png").toString(), "--raw-out", dir.resolve("raw.json").toString());
    } finally {
      System.setOut(previous);
    }
    String printed = stdout.toString(StandardCharsets.UTF_8);

    assertThat(rc).isZero();
    // every query is a detection at threshold 0; the short side 90 is resized to 64
    assertThat(printed).contains("5 detections with score >= 0.00 (input 85x64)");
    BufferedImage drawn = ImageIO.read(dir.resolve("out.png").toFile());
    assertThat(drawn.getWidth()).isEqualTo(120);
    assertThat(drawn.getHeight()).isEqualTo(90);

    JsonNode raw = new ObjectMapper().readTree(dir.resolve("raw.json").toFile());
    assertThat(raw.get("input_height").asInt()).isEqualTo(64);
    assertThat(raw.get("input_width").asInt()).isEqualTo(85);

    // A training checkpoint (state.json beside the weights) is fed at its run's val size unless
    // --size/--max-size say otherwise; other weights keep the reference's 800.
    Files.writeString(weights.resolve("state.json"),
        "{\"config\": {\"augmentation\": {\"val_size\": 48, \"max_size\": 60}}}");
    assertThat(predict(weights, image)).contains("(input 60x45)");
    assertThat(predict(weights, image, "--max-size", "100")).contains("(input 64x48)");
    assertThat(predict(weights, image, "--size", "30")).contains("(input 40x30)");
    Files.delete(weights.resolve("state.json"));
    assertThat(predict(weights, image)).contains("(input 1066x800)");
    assertThat(raw.get("pred_logits").size()).isEqualTo(5);
    assertThat(raw.get("pred_logits").get(0).size()).isEqualTo(5); // 4 classes + no-object
    assertThat(raw.get("pred_boxes").get(0).size()).isEqualTo(4);
    assertThat(raw.get("aux_outputs").size()).isEqualTo(2);

    // the best printed score is the best softmax probability over real classes in pred_logits
    double best = 0;
    for (JsonNode row : raw.get("pred_logits")) {
      double max = Double.NEGATIVE_INFINITY;
      double sum = 0;
      for (JsonNode v : row) {
        max = Math.max(max, v.asDouble());
      }
      for (JsonNode v : row) {
        sum += Math.exp(v.asDouble() - max);
      }
      for (int c = 0; c < row.size() - 1; c++) {
        best = Math.max(best, Math.exp(row.get(c).asDouble() - max) / sum);
      }
    }
    String firstLine = printed.lines().findFirst().orElseThrow();
    double printedBest = Double.parseDouble(firstLine.trim().split("\\s+")[firstLine.startsWith("class") ? 2 : 1]);
    assertThat(printedBest).isCloseTo(best, org.assertj.core.data.Offset.offset(1e-3));
  }

  private static String predict(Path weights, Path image, String... extra) {
    java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("predict", "--weights",
        weights.toString(), "--image", image.toString(), "--threshold", "0"));
    args.addAll(java.util.List.of(extra));
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    PrintStream previous = System.out;
    try {
      System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
      assertThat(new CommandLine(new Main()).execute(args.toArray(String[]::new))).isZero();
    } finally {
      System.setOut(previous);
    }
    return stdout.toString(StandardCharsets.UTF_8);
  }
}

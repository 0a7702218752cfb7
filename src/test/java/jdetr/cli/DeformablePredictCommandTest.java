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
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import jdetr.checkpoint.ModelWeights;
import jdetr.model.DetrConfig;
import jdetr.model.ModelBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code jdetr predict} with Deformable DETR weights: sigmoid scores, top-k over queries x classes. */
class DeformablePredictCommandTest {

  @Test
  void predictsFromDeformableWeights(@TempDir Path dir) throws Exception {
    DetrConfig config = DetrConfig.builder(DetrConfig.Architecture.DEFORMABLE_DETR)
        .backbone("resnet18").hiddenDim(32).nheads(2).encLayers(1).decLayers(2)
        .dimFeedforward(32).numQueries(5).numClasses(4).build();
    Path weights = dir.resolve("weights");
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      ModelWeights.save(weights, ModelBuilder.build(config, m),
          Map.of(1, "square", 2, "disc", 3, "triangle"));
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
    assertThat(rc).as(printed).isZero();
    // 5 queries x 4 classes = 20 (query, class) pairs, fewer than the top 100: all are detections
    assertThat(printed).contains("20 detections with score >= 0.00 (input 85x64)");
    JsonNode raw = new ObjectMapper().readTree(dir.resolve("raw.json").toFile());
    assertThat(raw.get("pred_logits").get(0).size()).isEqualTo(4); // sigmoid logits, no no-object
    assertThat(raw.get("aux_outputs").size()).isEqualTo(1);
  }
}

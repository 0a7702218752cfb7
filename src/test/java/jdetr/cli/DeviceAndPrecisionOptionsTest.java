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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** --device and --precision on the commands, and `jdetr engine`, on this CPU-only machine. */
class DeviceAndPrecisionOptionsTest {

  @TempDir
  static Path dir;
  static Path weights;
  static Path image;

  record Run(int rc, String out, String err) {}

  @BeforeAll
  static void weightsAndImage() throws Exception {
    DetrConfig config = DetrConfig.builder().backbone("resnet18").hiddenDim(32).nheads(4).encLayers(1)
        .decLayers(2).dimFeedforward(64).numQueries(5).numClasses(3).build();
    weights = dir.resolve("weights");
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      ModelWeights.save(weights, Detr.create(config, m), Map.of(1, "square", 2, "disc"));
    }
    BufferedImage img = new BufferedImage(96, 80, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.CYAN);
    g.fillOval(10, 12, 40, 30);
    g.dispose();
    image = dir.resolve("in.png");
    ImageIO.write(img, "png", image.toFile());
  }

  @Test
  void explicitCpuIsBitIdenticalToTheDefault() throws Exception {
    assertThat(predict("default.json").rc()).isZero();
    assertThat(predict("cpu.json", "--device", "cpu", "--precision", "fp32").rc()).isZero();
    assertThat(Files.readAllBytes(dir.resolve("cpu.json")))
        .isEqualTo(Files.readAllBytes(dir.resolve("default.json")));
  }

  @Test
  void bf16PredictionStaysCloseToFp32() throws Exception {
    assertThat(predict("fp32.json").rc()).isZero();
    Run bf16 = predict("bf16.json", "--precision", "bf16");
    assertThat(bf16.rc()).as(bf16.err()).isZero();
    JsonNode a = new ObjectMapper().readTree(dir.resolve("fp32.json").toFile());
    JsonNode b = new ObjectMapper().readTree(dir.resolve("bf16.json").toFile());
    double maxBox = 0;
    for (int q = 0; q < 5; q++) {
      for (int c = 0; c < 4; c++) {
        maxBox = Math.max(maxBox, Math.abs(a.get("pred_boxes").get(q).get(c).asDouble()
            - b.get("pred_boxes").get(q).get(c).asDouble()));
      }
    }
    assertThat(maxBox).isLessThan(0.01).isGreaterThan(0); // bfloat16 ran, and stayed close
  }

  @Test
  void cudaIsRefusedNamingTheLoadedFlavour() {
    Run r = predict("never.json", "--device", "cuda:0");
    assertThat(r.rc()).isEqualTo(2);
    assertThat(r.err()).contains("device cuda:0", "flavour cpu", "PYTORCH_LIBRARY_PATH", "PYTORCH_FLAVOR=cu128");
    assertThat(dir.resolve("never.json")).doesNotExist();
    Run serve = run("serve", "--weights", weights.toString(), "--device", "cuda", "--port", "0");
    assertThat(serve.rc()).isEqualTo(2);
    assertThat(serve.err()).contains("device cuda:0", "flavour cpu");
    Run bench = run("bench", "infer", "--device", "cuda:1", "--iterations", "1");
    assertThat(bench.rc()).isEqualTo(2);
    assertThat(bench.err()).contains("device cuda:1", "flavour cpu");
  }

  @Test
  void unknownDevicesAndPrecisionsAreUsageErrors() {
    Run gpu = predict("never.json", "--device", "gpu");
    assertThat(gpu.rc()).isEqualTo(2);
    assertThat(gpu.err()).contains("--device: unknown device 'gpu' (expected cpu, cuda or cuda:N");
    Run fp16 = predict("never.json", "--precision", "fp16");
    assertThat(fp16.rc()).isEqualTo(2);
    assertThat(fp16.err()).contains("--precision: unknown precision 'fp16'");
    Run masks = run("bench", "infer", "--masks", "--precision", "bf16");
    assertThat(masks.rc()).isEqualTo(2);
    assertThat(masks.err()).contains("bf16 inference is implemented for DETR's boxes only");
  }

  @Test
  void trainAndNodeTakeTheDeviceIntoTheRecipe() {
    Run printed = run("train", "conf/shapes-demo.json", "--device", "cpu", "--print-config");
    assertThat(printed.rc()).isZero();
    assertThat(printed.out()).contains("\"device\" : \"cpu\"");
    Run cuda = run("train", "conf/shapes-demo.json", "--device", "cuda", "--print-config");
    assertThat(cuda.rc()).isEqualTo(2);
    assertThat(cuda.err()).contains("device cuda:0", "flavour cpu");
    Run bad = run("train", "conf/shapes-demo.json", "--set", "device=tpu", "--print-config");
    assertThat(bad.rc()).isEqualTo(2);
    assertThat(bad.err()).contains("recipe device: unknown device 'tpu'");
  }

  @Test
  void engineNamesTheFlavourAndDevices() throws Exception {
    Run text = run("engine");
    assertThat(text.rc()).isZero();
    assertThat(text.out()).contains("flavour cpu", "devices:      cpu", "cpu bf16:");
    Run json = run("engine", "--json");
    JsonNode n = new ObjectMapper().readTree(json.out());
    assertThat(n.get("flavour").asText()).isEqualTo("cpu");
    assertThat(n.get("gpus").asInt()).isZero();
    assertThat(n.get("devices").toString()).isEqualTo("[\"cpu\"]");
    assertThat(n.get("library_path").asText()).contains("cpu");
  }

  private static Run predict(String rawOut, String... extra) {
    String[] base = {"predict", "--weights", weights.toString(), "--image", image.toString(),
        "--size", "64", "--threshold", "0", "--raw-out", dir.resolve(rawOut).toString()};
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    return run(args);
  }

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream previousOut = System.out;
    PrintStream previousErr = System.err;
    int rc;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      CommandLine cl = new CommandLine(new Main());
      cl.setOut(new java.io.PrintWriter(System.out, true));
      cl.setErr(new java.io.PrintWriter(System.err, true));
      rc = cl.execute(args);
    } finally {
      System.setOut(previousOut);
      System.setErr(previousErr);
    }
    return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}

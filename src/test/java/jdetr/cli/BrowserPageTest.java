package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jdetr.serve.ShapesScene;
import jdetr.train.TrainConfig;
import jdetr.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The page in a real browser: a `jdetr serve --weights W` process serving a small DETR trained
 * here on the synthetic shapes (a few steps: enough for the real model, PostProcess and the class
 * names of its checkpoint to reach the page, not a good detector), Debian's chromium driven by
 * playwright-core (src/test/browser), its fake camera playing a clip of moving shapes. Asserts
 * that boxes appear and saves target/browser/stream-page.png.
 *
 * <p>Needs /usr/bin/chromium (apt-get install -y chromium) and `npm ci` in src/test/browser; fails
 * with that message when they are missing.
 */
@Timeout(240)
class BrowserPageTest {

  private static final Path BROWSER_DIR = Path.of("src", "test", "browser");
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path OUT = Path.of("target", "browser");

  @Test
  void boxesAppearOnThePageForAFakeCameraShowingShapes() throws Exception {
    if (!Files.isExecutable(CHROMIUM) || !Files.isDirectory(BROWSER_DIR.resolve("node_modules/playwright-core"))) {
      fail("the browser test needs Debian's chromium at " + CHROMIUM + " (apt-get install -y chromium) and "
          + "playwright-core installed by `npm ci` in " + BROWSER_DIR);
    }
    Files.createDirectories(OUT);
    Path clip = OUT.resolve("shapes.y4m");
    Y4mClip.write(clip, ShapesScene.random(42, 640, 480, 5, 0.03), 30, 15);
    Path screenshot = OUT.resolve("stream-page.png");
    Files.deleteIfExists(screenshot);

    Path weights = trainTinyDetr(OUT.resolve("tiny-detr"));

    Process server = new ProcessBuilder(javaBinary(), "-Xmx512m", "-Dai.djl.offline=true", "-Djava.awt.headless=true",
        "-cp", System.getProperty("java.class.path"), "jdetr.cli.Main", "serve", "--weights", weights.toString(),
        "--port", "0", "--set", "host=127.0.0.1", "--set", "threshold=0.05")
        .redirectError(OUT.resolve("serve.log").toFile())
        .start();
    try {
      BufferedReader stdout = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      int port = -1;
      for (String line; (line = readLine(stdout, 90)) != null; ) {
        JsonObject event = new JsonObject(line);
        if ("listening".equals(event.getString("event"))) {
          port = event.getInteger("port");
        } else if ("ready".equals(event.getString("event"))) {
          break;
        }
      }
      assertThat(port).as("jdetr serve printed its port (see %s)", OUT.resolve("serve.log")).isPositive();
      String url = "http://127.0.0.1:" + port + "/";

      Process node = new ProcessBuilder("node", "stream-page.mjs", "--url", url, "--clip", clip.toAbsolutePath().toString(),
          "--screenshot", screenshot.toAbsolutePath().toString())
          .directory(BROWSER_DIR.toFile())
          .redirectErrorStream(true)
          .start();
      CompletableFuture<List<String>> output = CompletableFuture.supplyAsync(() -> lines(node));
      assertThat(node.waitFor(180, TimeUnit.SECONDS)).as("browser run finished").isTrue();
      List<String> lines = output.get(10, TimeUnit.SECONDS);
      lines.forEach(l -> System.out.println("browser: " + l));
      String summary = lines.stream().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse("{}");
      JsonObject shown = new JsonObject(summary);
      assertThat(node.exitValue()).as("browser run: %s", summary).isZero();
      assertThat(shown.getInteger("detections_total")).isPositive();
      assertThat(shown.getInteger("overlay_pixels_drawn")).isPositive();
      assertThat(shown.getJsonArray("classes").getList())
          .containsExactlyInAnyOrder("ellipse", "rectangle", "triangle");
      assertThat(screenshot).isNotEmptyFile();

      String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      double processed = metrics.lines().filter(l -> l.startsWith("jdetr_frames_processed_total"))
          .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
      assertThat(processed).isGreaterThanOrEqualTo(shown.getInteger("processed"));
    } finally {
      server.destroy(); // SIGTERM: the shutdown hook closes the server
      if (!server.waitFor(30, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  /** Trains a tiny DETR on 64-pixel shapes for a few steps; returns its last checkpoint. */
  private static Path trainTinyDetr(Path dir) throws Exception {
    Path root = dir.resolve("shapes");
    Path run = dir.resolve("run");
    TrainConfig config = TrainConfig.resolve(new ObjectMapper().createObjectNode(), List.of(
        "model.backbone=resnet18", "model.backbone_norm=batch", "model.hidden_dim=32",
        "model.nheads=4", "model.enc_layers=1", "model.dec_layers=1", "model.dim_feedforward=64",
        "model.num_queries=10", "model.dropout=0", "batch_size=4", "epochs=1", "lr_drop=1",
        "max_steps_per_epoch=6", "lr=4e-4", "lr_backbone=4e-4", "data.root=" + root,
        "data.synth={\"train\": 24, \"val\": 4, \"size\": 64, \"classes\": 3}",
        "augmentation.scales=[48, 64]", "augmentation.max_size=80",
        "augmentation.crop_resize_sizes=[48, 56]", "augmentation.crop_min_size=32",
        "augmentation.crop_max_size=48", "augmentation.val_size=64", "output_dir=" + run),
        "browser test");
    Trainer.Result result = new Trainer(config, System.out).run(false);
    assertThat(result.checkpoint()).as("checkpoint of the tiny run").isNotNull();
    return result.checkpoint();
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static String readLine(BufferedReader in, int seconds) throws Exception {
    CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
      try {
        return in.readLine();
      } catch (IOException e) {
        return null;
      }
    });
    return line.get(seconds, TimeUnit.SECONDS);
  }

  private static List<String> lines(Process p) {
    List<String> out = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String l; (l = r.readLine()) != null; ) {
        out.add(l);
      }
    } catch (IOException e) {
      out.add("(output lost: " + e + ")");
    }
    return out;
  }

}

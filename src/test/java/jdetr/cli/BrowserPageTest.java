package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
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
import java.util.Base64;
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
 * that boxes appear and saves target/browser/stream-page.png; and that masks are drawn over their
 * shapes ({@link #masksAreDrawnOverTheirShapes}).
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
    requireBrowser();
    Path clip = OUT.resolve("shapes.y4m");
    Y4mClip.write(clip, ShapesScene.random(42, 640, 480, 5, 0.03), 30, 15);
    Path screenshot = OUT.resolve("stream-page.png");
    Files.deleteIfExists(screenshot);

    Path weights = trainTinyDetr(OUT.resolve("tiny-detr"));

    Process server = startServer("--weights", weights.toString(), "--set", "threshold=0.05");
    try {
      String url = awaitListening(server);
      JsonObject shown = runPage(url, clip, screenshot, null);
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
      stop(server);
    }
  }

  /**
   * Masks in the detection JSON are drawn where they belong: `serve --detector shapes-threshold`
   * (whose detections carry the exact pixels it thresholded) on a still clip of five shapes; the
   * overlay's alpha, sampled at every pixel of the frame the page drew, is compared with the shapes'
   * pixels of the clip (known from its rendering, not from the RLE): inside a shape (away from its
   * edge) tinted, off the shapes (away from box outlines and labels) not. A decoder that put runs in
   * the wrong order (row-major, transposed, shifted) fails both. Saves target/browser/mask-page.png.
   */
  @Test
  void masksAreDrawnOverTheirShapes() throws Exception {
    requireBrowser();
    ShapesScene scene = ShapesScene.random(7, 640, 480, 5, 0);
    Path clip = OUT.resolve("still-shapes.y4m");
    Y4mClip.write(clip, scene, 15, 15);
    Path screenshot = OUT.resolve("mask-page.png");
    Path overlay = OUT.resolve("mask-overlay.json");
    Files.deleteIfExists(screenshot);
    Files.deleteIfExists(overlay);

    Process server = startServer("--detector", "shapes-threshold");
    try {
      runPage(awaitListening(server), clip, screenshot, overlay);
    } finally {
      stop(server);
    }
    JsonObject drawn = new JsonObject(Files.readString(overlay));
    List<Object> detections = drawn.getJsonArray("detections").getList();
    assertThat(detections).as("the drawn result's detections").hasSize(5);
    assertThat(drawn.getJsonArray("detections").stream().map(d -> ((JsonObject) d).getBoolean("mask")))
        .as("each carried a mask").containsOnly(true);

    int w = drawn.getInteger("width");
    int h = drawn.getInteger("height");
    byte[] alpha = Base64.getDecoder().decode(drawn.getString("alpha"));
    assertThat(alpha).hasSize(w * h);
    boolean[] shape = shapePixels(scene, w, h);
    boolean[] skip = outlinesAndLabels(drawn, w, h);
    int margin = Math.max(3, w / 160); // decoding, scaling and drawing blur the edges by a pixel or two
    int inside = 0;
    int insideTinted = 0;
    int outside = 0;
    int outsideTinted = 0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (skip[y * w + x]) {
          continue;
        }
        boolean tinted = alpha[y * w + x] != 0;
        if (allWithin(shape, w, h, x, y, margin, true)) {
          inside++;
          insideTinted += tinted ? 1 : 0;
        } else if (allWithin(shape, w, h, x, y, margin, false)) {
          outside++;
          outsideTinted += tinted ? 1 : 0;
        }
      }
    }
    assertThat(inside).as("shape pixels checked").isGreaterThan(w * h / 20);
    assertThat(outside).as("background pixels checked").isGreaterThan(w * h / 3);
    assertThat(insideTinted / (double) inside).as("tinted share of the shapes' pixels").isGreaterThan(0.99);
    assertThat(outsideTinted / (double) outside).as("tinted share of the background").isLessThan(0.002);
    assertThat(screenshot).isNotEmptyFile();
  }

  /** The pixels of the scene's shapes (saturated; the background is a near-grey gradient), at w x h. */
  private static boolean[] shapePixels(ShapesScene scene, int w, int h) {
    BufferedImage image = scene.render(0);
    boolean[] shape = new boolean[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = image.getRGB(x * scene.width() / w, y * scene.height() / h);
        int r = (rgb >> 16) & 0xFF;
        int g = (rgb >> 8) & 0xFF;
        int b = rgb & 0xFF;
        shape[y * w + x] = Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 100;
      }
    }
    return shape;
  }

  /**
   * Pixels near a drawn box outline (2 CSS pixels wide) or under a label (18 CSS pixels high, at
   * most 170 wide, above the box or inside its top when the box touches the top), in frame pixels.
   */
  private static boolean[] outlinesAndLabels(JsonObject drawn, int w, int h) {
    double sx = drawn.getJsonArray("css_per_pixel").getDouble(0);
    double sy = drawn.getJsonArray("css_per_pixel").getDouble(1);
    boolean[] skip = new boolean[w * h];
    for (Object o : drawn.getJsonArray("detections")) {
      JsonArray box = ((JsonObject) o).getJsonArray("box");
      double x0 = box.getDouble(0);
      double y0 = box.getDouble(1);
      double x1 = box.getDouble(2);
      double y1 = box.getDouble(3);
      double mx = 3 / sx + 2;
      double my = 3 / sy + 2;
      double top = y0 * sy >= 18 ? y0 - 18 / sy : y0;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          boolean nearBox = x >= x0 - mx && x <= x1 + mx && y >= y0 - my && y <= y1 + my;
          boolean inBox = x >= x0 + mx && x <= x1 - mx && y >= y0 + my && y <= y1 - my;
          boolean label = x >= x0 - mx && x <= x0 + 170 / sx && y >= top - my && y <= top + 18 / sy + my;
          if ((nearBox && !inBox) || label) {
            skip[y * w + x] = true;
          }
        }
      }
    }
    return skip;
  }

  /** Whether every pixel within {@code r} of (x, y) inside the frame has {@code value}. */
  private static boolean allWithin(boolean[] mask, int w, int h, int x, int y, int r, boolean value) {
    for (int yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++) {
      for (int xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++) {
        if (mask[yy * w + xx] != value) {
          return false;
        }
      }
    }
    return true;
  }

  private static void requireBrowser() throws IOException {
    if (!Files.isExecutable(CHROMIUM) || !Files.isDirectory(BROWSER_DIR.resolve("node_modules/playwright-core"))) {
      fail("the browser test needs Debian's chromium at " + CHROMIUM + " (apt-get install -y chromium) and "
          + "playwright-core installed by `npm ci` in " + BROWSER_DIR);
    }
    Files.createDirectories(OUT);
  }

  /** `jdetr serve` on a free port of 127.0.0.1 with the given options, logging to target/browser/serve.log. */
  private static Process startServer(String... options) throws IOException {
    List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx512m", "-Dai.djl.offline=true",
        "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), "jdetr.cli.Main", "serve",
        "--port", "0", "--set", "host=127.0.0.1"));
    command.addAll(List.of(options));
    return new ProcessBuilder(command).redirectError(OUT.resolve("serve.log").toFile()).start();
  }

  /** The server's URL once it printed its port and is ready. */
  private static String awaitListening(Process server) throws Exception {
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
    return "http://127.0.0.1:" + port + "/";
  }

  /** Runs stream-page.mjs against the page; returns the summary it printed, which must say ok. */
  private static JsonObject runPage(String url, Path clip, Path screenshot, Path overlayOut) throws Exception {
    List<String> command = new ArrayList<>(List.of("node", "stream-page.mjs", "--url", url,
        "--clip", clip.toAbsolutePath().toString(), "--screenshot", screenshot.toAbsolutePath().toString()));
    if (overlayOut != null) {
      command.addAll(List.of("--overlay-out", overlayOut.toAbsolutePath().toString()));
    }
    Process node = new ProcessBuilder(command).directory(BROWSER_DIR.toFile()).redirectErrorStream(true).start();
    CompletableFuture<List<String>> output = CompletableFuture.supplyAsync(() -> lines(node));
    assertThat(node.waitFor(180, TimeUnit.SECONDS)).as("browser run finished").isTrue();
    List<String> lines = output.get(10, TimeUnit.SECONDS);
    lines.forEach(l -> System.out.println("browser: " + l));
    String summary = lines.stream().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse("{}");
    assertThat(node.exitValue()).as("browser run: %s", summary).isZero();
    return new JsonObject(summary);
  }

  private static void stop(Process server) throws InterruptedException {
    server.destroy(); // SIGTERM: the shutdown hook closes the server
    if (!server.waitFor(30, TimeUnit.SECONDS)) {
      server.destroyForcibly();
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

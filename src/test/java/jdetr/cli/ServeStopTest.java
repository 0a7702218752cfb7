package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jdetr.checkpoint.ModelWeights;
import jdetr.model.Detr;
import jdetr.model.DetrConfig;
import jdetr.serve.ShapesScene;
import jdetr.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jdetr serve} with a small DETR in a child JVM gets SIGTERM while two clients keep it
 * detecting: the running batch finishes, the detector is closed, and the JVM exits with 143 and
 * without a crash report ({@code hs_err_pid*.log}).
 */
class ServeStopTest {

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void sigtermWhileDetectingExitsWithoutACrash(@TempDir Path tmp) throws Exception {
    Path weights = smallDetr(tmp);
    byte[] jpeg = ShapesScene.jpeg(ShapesScene.random(8, 320, 240, 3, 0).render(0), 0.9f);
    List<String> args = List.of("serve", "--weights", weights.toString(), "--port", "0",
        "--set", "inputSize=240", "--set", "maxInputSize=320", "--set", "maxBatch=2");
    try (ChildJvm child = ChildJvm.start("serve-sigterm", Path.of("target", "child-logs"),
        List.of("-Dai.djl.pytorch.num_threads=1"), Main.class.getName(), args)) {
      int port = new JsonObject(child.awaitLine(l -> l.contains("\"event\":\"listening\""),
          Duration.ofSeconds(60))).getInteger("port");
      child.awaitLine(l -> l.contains("\"event\":\"ready\""), Duration.ofSeconds(60));

      AtomicInteger detected = new AtomicInteger();
      HttpClient http = HttpClient.newHttpClient();
      HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/detect"))
          .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(jpeg)).build();
      List<Thread> clients = List.of(client(http, post, detected), client(http, post, detected));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (detected.get() < 5 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(detected.get()).as("frames detected before the stop").isGreaterThanOrEqualTo(5);

      ProcessHandle.of(child.pid()).orElseThrow().destroy(); // SIGTERM, pipes kept open
      assertThat(child.awaitExit(Duration.ofSeconds(60))).as(child.stderrTail()).isEqualTo(143);
      for (Thread c : clients) {
        c.join(30_000);
      }
      assertThat(Path.of("hs_err_pid" + child.pid() + ".log")).doesNotExist();
      assertThat(Files.readString(child.stderrFile()))
          .contains("jdetr: SIGTERM: stopping detection (thread jdetr-detector)");
    }
  }

  /** {@code bench serve} stops its raw measurement after the running batch and prints no ratios. */
  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void sigtermDuringBenchServeExitsWithoutACrash(@TempDir Path tmp) throws Exception {
    List<String> args = List.of("bench", "serve", "--weights", smallDetr(tmp).toString(),
        "--width", "160", "--height", "120", "--streams", "2", "--rounds", "1", "--seconds", "2",
        "--warmup-seconds", "0", "--raw-seconds", "60", "--set", "inputSize=120",
        "--set", "maxInputSize=160", "--set", "maxBatch=2");
    try (ChildJvm child = ChildJvm.start("bench-serve-sigterm", Path.of("target", "child-logs"),
        List.of("-Dai.djl.pytorch.num_threads=1"), Main.class.getName(), args)) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.readString(child.stderrFile()).contains("detector ready")) { // the log
        assertThat(System.nanoTime()).as("detector ready within 60 s").isLessThan(deadline);
        Thread.sleep(50);
      }
      Thread.sleep(2000); // into the first raw measurement (60 s)
      ProcessHandle.of(child.pid()).orElseThrow().destroy();
      assertThat(child.awaitExit(Duration.ofSeconds(60))).as(child.stderrTail()).isEqualTo(143);
      assertThat(Path.of("hs_err_pid" + child.pid() + ".log")).doesNotExist();
      child.drain();
      assertThat(child.seen()).noneMatch(l -> l.contains("\"kind\":\"raw\"") || l.contains("\"kind\":\"ratio\""));
      assertThat(Files.readString(child.stderrFile())).contains("jdetr: SIGTERM: stopping ")
          .contains("benchmark (thread main)");
    }
  }

  private static Path smallDetr(Path tmp) throws Exception {
    DetrConfig small = DetrConfig.builder().backbone("resnet18").hiddenDim(32).nheads(4)
        .encLayers(1).decLayers(2).dimFeedforward(64).numQueries(7).numClasses(4).build();
    Path weights = tmp.resolve("weights");
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      ModelWeights.save(weights, Detr.create(small, m), Map.of(1, "rectangle", 2, "ellipse", 3, "triangle"));
    }
    return weights;
  }

  /** Posts the frame again and again until the server stops answering. */
  private static Thread client(HttpClient http, HttpRequest post, AtomicInteger detected) {
    Thread t = new Thread(() -> {
      try {
        while (http.send(post, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
          detected.incrementAndGet();
        }
      } catch (Exception stopped) {
        // the server went away
      }
    }, "serve-client");
    t.setDaemon(true);
    t.start();
    return t;
  }
}

package jdetr.verticles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jdetr.bench.StreamLoadClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Test matrix W10, soak tier ({@code mvn -B test -Dtest=StreamSoakTest -Djdetr.soak=true}, as the
 * README shows): N streams at R frames per second each
 * (sized to 2 cores) for 120 s against the colour-threshold detector. Records send-to-result p50
 * and p99 (exact, from every latency), drop rate, resident memory and open file descriptors; fails
 * if a frame is lost silently (processed + dropped != sent, or any frame unanswered), on errors, or
 * on a regression beyond the allowances of the stored baseline
 * (src/test/resources/serve/w10-baseline.json). The run's figures are written to
 * target/soak/w10-result.json; to recalibrate, copy its "measured" block into the baseline.
 * {@code -Djdetr.soak.seconds=…} shortens the run.
 */
@EnabledIfSystemProperty(named = "jdetr.soak", matches = "true")
@ExtendWith(VertxExtension.class)
@Timeout(900)
class StreamSoakTest {

  @Test
  void sustainedLoadLosesNoFrameSilentlyAndStaysWithinTheBaseline(Vertx vertx) throws Exception {
    JsonObject baseline = baseline();
    JsonObject load = baseline.getJsonObject("load");
    int streams = load.getInteger("streams");
    double fps = load.getDouble("fps_per_stream");
    double seconds = Double.parseDouble(System.getProperty("jdetr.soak.seconds", load.getDouble("seconds").toString()));
    List<byte[]> frames = Servers.frames(8, load.getInteger("width"), load.getInteger("height"));
    DetectionServer server = Servers.start("{\"maxBatch\": 8, \"maxDelayMs\": 10}");
    StreamLoadClient.Report r;
    long rssBefore;
    long rssAfter;
    int fdsBefore;
    int fdsAfter;
    try {
      // a short warm-up, so that the baseline does not measure class loading and JIT compilation
      StreamLoadClient.run(vertx, new StreamLoadClient.Options("127.0.0.1", server.port(), "threshold=0.5",
          streams, 3, 2, fps, frames));
      Servers.usedHeapAfterGc();
      rssBefore = ProcessStats.rssBytes();
      fdsBefore = ProcessStats.openFileDescriptors();
      r = StreamLoadClient.run(vertx, new StreamLoadClient.Options("127.0.0.1", server.port(), "threshold=0.5",
          streams, seconds, 2, fps, frames));
      Servers.usedHeapAfterGc();
      rssAfter = ProcessStats.rssBytes();
      fdsAfter = ProcessStats.awaitFileDescriptorsAtMost(fdsBefore, 10_000);
    } finally {
      server.close();
    }
    JsonObject measured = new JsonObject()
        .put("p50_ms", round(r.latencyMs(0.5))).put("p99_ms", round(r.latencyMs(0.99)))
        .put("drop_rate", round(r.dropped() / (double) Math.max(1, r.sent())))
        .put("fps", round(r.fps()))
        .put("rss_growth_mb", round((rssAfter - rssBefore) / 1048576.0))
        .put("fd_growth", fdsAfter - fdsBefore);
    JsonObject result = new JsonObject()
        .put("load", load.copy().put("seconds", seconds))
        .put("counts", new JsonObject().put("sent", r.sent()).put("processed", r.processed())
            .put("dropped", r.dropped()).put("errors", r.errors()).put("unanswered", r.unanswered())
            .put("stream_failures", r.streamFailures()))
        .put("rss_mb", new JsonObject().put("before", rssBefore >> 20).put("after", rssAfter >> 20))
        .put("fds", new JsonObject().put("before", fdsBefore).put("after", fdsAfter))
        .put("measured", measured)
        .put("cores", Runtime.getRuntime().availableProcessors());
    Path out = Path.of("target", "soak", "w10-result.json");
    Files.createDirectories(out.getParent());
    Files.writeString(out, result.encodePrettily());
    System.out.println("W10 soak: " + result.encode());

    // no frame lost silently
    assertThat(r.streamFailures()).isZero();
    assertThat(r.errors()).isZero();
    assertThat(r.unanswered()).isZero();
    assertThat(r.sent()).isEqualTo(r.processed() + r.dropped());
    // against the baseline
    JsonObject base = baseline.getJsonObject("measured");
    JsonObject allowed = baseline.getJsonObject("allowed");
    assertThat(measured.getDouble("p50_ms")).as("p50 vs baseline %s", base.getDouble("p50_ms"))
        .isLessThanOrEqualTo(base.getDouble("p50_ms") * allowed.getDouble("latency_factor"));
    assertThat(measured.getDouble("p99_ms")).as("p99 vs baseline %s", base.getDouble("p99_ms"))
        .isLessThanOrEqualTo(base.getDouble("p99_ms") * allowed.getDouble("latency_factor"));
    assertThat(measured.getDouble("drop_rate")).as("drop rate vs baseline %s", base.getDouble("drop_rate"))
        .isLessThanOrEqualTo(base.getDouble("drop_rate") + allowed.getDouble("drop_rate_increase"));
    assertThat(measured.getDouble("rss_growth_mb")).as("RSS growth vs baseline %s", base.getDouble("rss_growth_mb"))
        .isLessThanOrEqualTo(base.getDouble("rss_growth_mb") + allowed.getDouble("rss_growth_mb_increase"));
    assertThat(measured.getInteger("fd_growth")).as("file descriptors left open")
        .isLessThanOrEqualTo(allowed.getInteger("fd_growth"));
  }

  private static JsonObject baseline() throws Exception {
    try (InputStream in = StreamSoakTest.class.getResourceAsStream("/serve/w10-baseline.json")) {
      if (in == null) {
        fail("no baseline: src/test/resources/serve/w10-baseline.json is missing");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}

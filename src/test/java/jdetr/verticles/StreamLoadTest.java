package jdetr.verticles;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import jdetr.bench.StreamLoadClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Test matrix W10 (short form, fast tier): 16 streams from a JVM client on loopback. No frame is
 * lost silently (sent = processed + dropped, nothing unanswered), no errors, no stream failures,
 * heap flat, no file descriptor left open. The 120 s run against a stored baseline is
 * {@link StreamSoakTest} (soak tier); figures come from `jdetr bench serve`.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class StreamLoadTest {

  private static final double SECONDS = 8;
  private static final int FD_SLACK = 4;
  private static DetectionServer server;
  private static Vertx vertx;

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    server = Servers.start("{\"maxBatch\": 8, \"maxDelayMs\": 10}");
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  @Test
  void sixteenStreamsLoseNoFrameSilently() throws Exception {
    List<byte[]> frames = Servers.frames(8, 320, 240);
    long heapBefore = Servers.usedHeapAfterGc();
    int fdsBefore = ProcessStats.openFileDescriptors();
    double processed0 = Servers.counter(server, "jdetr.frames.processed");
    StreamLoadClient.Report r = StreamLoadClient.run(vertx,
        new StreamLoadClient.Options("127.0.0.1", server.port(), "threshold=0.5", 16, SECONDS, 2, 0, frames));
    long heapDelta = Servers.usedHeapAfterGc() - heapBefore;
    int fdsAfter = ProcessStats.awaitFileDescriptorsAtMost(fdsBefore + FD_SLACK, 10_000);
    System.out.println("W10 load: " + r.toJson() + " heap delta " + (heapDelta >> 10) + " KiB, file descriptors "
        + fdsBefore + " -> " + fdsAfter + ", RSS " + (ProcessStats.rssBytes() >> 20) + " MiB");
    assertThat(r.streamFailures()).isZero();
    assertThat(r.errors()).isZero();
    assertThat(r.unanswered()).isZero();
    assertThat(r.processed()).isPositive();
    assertThat(r.sent()).isEqualTo(r.processed() + r.dropped());
    assertThat(Servers.counter(server, "jdetr.frames.processed") - processed0).isEqualTo(r.processed());
    assertThat(heapDelta).isLessThan(64L << 20);
    // 32 sockets were open during the run; a few descriptors may open lazily (jar files, entropy)
    assertThat(fdsAfter).as("the streams' sockets are closed on both sides").isLessThanOrEqualTo(fdsBefore + FD_SLACK);
  }
}

package jdetr.verticles;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import jdetr.serve.StreamLoadClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Test matrix W10 (short form): 16 streams from a JVM client on loopback. No frame is lost
 * silently (sent = processed + dropped, nothing unanswered), no errors, no stream failures, heap
 * flat. The 30 s run with figures is `jdetr bench serve --detector shapes-threshold`.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class StreamLoadTest {

  private static final double SECONDS = 8;
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
    double processed0 = Servers.counter(server, "jdetr.frames.processed");
    StreamLoadClient.Report r = StreamLoadClient.run(vertx,
        new StreamLoadClient.Options("127.0.0.1", server.port(), "threshold=0.5", 16, SECONDS, 2, 0, frames));
    long heapDelta = Servers.usedHeapAfterGc() - heapBefore;
    System.out.println("W10 load: " + r.toJson() + " heap delta " + (heapDelta >> 10) + " KiB");
    assertThat(r.streamFailures()).isZero();
    assertThat(r.errors()).isZero();
    assertThat(r.unanswered()).isZero();
    assertThat(r.processed()).isPositive();
    assertThat(r.sent()).isEqualTo(r.processed() + r.dropped());
    assertThat(Servers.counter(server, "jdetr.frames.processed") - processed0).isEqualTo(r.processed());
    assertThat(heapDelta).isLessThan(64L << 20);
  }
}

package jdetr.verticles;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import jdetr.serve.ShapesScene;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Test matrix W3 (slow reader) and W4 (fast sender) against a real server on loopback. */
@ExtendWith(VertxExtension.class)
@Timeout(180)
class StreamBackpressureTest {

  private static final int SLOW_READER_SECONDS = 2;
  private static final int OTHERS = 20;
  private static DetectionServer server;
  private static Vertx vertx;

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    server = Servers.start("{\"maxBatch\": 4, \"maxDelayMs\": 5, \"writeQueueBytes\": 4096, \"socketSendBufferBytes\": 8192, \"slowReaderSeconds\": "
        + SLOW_READER_SECONDS + ", \"handshakeTimeoutSeconds\": 5}");
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  // W4
  @Test
  void aFastSenderGetsNewerFramesOnlyAndEveryFrameIsAccountedFor() throws Exception {
    List<byte[]> frames = Servers.frames(4, 320, 240);
    double in0 = Servers.counter(server, "jdetr.frames.in");
    double superseded0 = Servers.counter(server, "jdetr.frames.dropped", "reason", "superseded");
    int sent = 1000;
    try (TestStream s = TestStream.open(vertx, server.port())) {
      long start = System.nanoTime();
      for (int id = 1; id <= sent; id++) {
        s.sendImage(id, frames.get(id % frames.size()));
      }
      double sendMs = (System.nanoTime() - start) / 1e6;
      long previous = 0;
      long processed = 0;
      long dropped = 0;
      while (previous < sent) {
        JsonObject r = s.next(Duration.ofSeconds(60));
        assertThat(r.containsKey("error")).as("%s", r).isFalse();
        long frame = r.getLong("frame");
        assertThat(frame).as("results refer to ever newer frames").isGreaterThan(previous);
        previous = frame;
        processed++;
        dropped += r.getLong("dropped_since_last");
      }
      System.out.printf("W4 fast sender: %d frames queued in %.0f ms; processed %d, dropped %d%n", sent, sendMs,
          processed, dropped);
      assertThat(processed + dropped).isEqualTo(sent);
      assertThat(dropped).as("only the newest frame waits, so a burst is mostly dropped").isPositive();
      assertThat(Servers.counter(server, "jdetr.frames.in") - in0).isEqualTo(sent);
      assertThat(Servers.counter(server, "jdetr.frames.dropped", "reason", "superseded") - superseded0)
          .isEqualTo(dropped);
    }
  }

  /** p50 and p99 of the round trips that ended in [from, to) nanos. */
  private static double[] percentiles(List<double[]> roundTrips, long from, long to) {
    double[] ms;
    synchronized (roundTrips) {
      ms = roundTrips.stream().filter(r -> r[0] >= from && r[0] < to).mapToDouble(r -> r[1]).sorted().toArray();
    }
    if (ms.length == 0) {
      return new double[] {Double.NaN, Double.NaN};
    }
    return new double[] {ms[(int) Math.ceil(0.5 * ms.length) - 1], ms[(int) Math.ceil(0.99 * ms.length) - 1]};
  }

  // W3
  @Test
  void aReaderThatDoesNotReadIsClosedWith1008AndOthersAreServedMeanwhile() throws Exception {
    byte[] busy = ShapesScene.jpeg(ShapesScene.random(77, 320, 240, 6, 0).render(0), 0.85f); // ~6 detections a result
    List<byte[]> frames = Servers.frames(2, 320, 240);
    long heapBefore = Servers.usedHeapAfterGc();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong othersServed = new AtomicLong();
    AtomicReference<Throwable> otherFailure = new AtomicReference<>();
    List<Thread> others = new ArrayList<>();
    // round-trip times of the other streams: {end nanos, millis}
    List<double[]> roundTrips = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < OTHERS; i++) {
      Thread t = new Thread(() -> {
        try (TestStream s = TestStream.open(vertx, server.port())) {
          for (long id = 1; !stop.get(); id++) {
            long sent = System.nanoTime();
            JsonObject r = s.roundTrip(id, frames.get((int) (id % 2)));
            long now = System.nanoTime();
            roundTrips.add(new double[] {now, (now - sent) / 1e6});
            assertThat(r.getLong("frame")).isEqualTo(id);
            assertThat(r.getJsonArray("detections")).isNotEmpty();
            othersServed.incrementAndGet();
          }
        } catch (Throwable e) {
          otherFailure.set(e);
        }
      });
      others.add(t);
      t.start();
    }
    double slow0 = Servers.counter(server, "jdetr.ws.slow.consumer");
    double closed0 = Servers.counter(server, "jdetr.ws.closed", "code", "1008");
    double undelivered0 = Servers.counter(server, "jdetr.results.undelivered");
    // a small receive window and no reading: results pile up in the server's write queue
    try (RawWebSocket raw = RawWebSocket.open(server.port(), "/v1/stream?threshold=0.1", Map.of(), 2048)) {
      assertThat(raw.status).isEqualTo(101);
      long start = System.nanoTime();
      long firstUndelivered = 0;
      long servedAtFirstUndelivered = 0;
      for (long id = 1; Servers.counter(server, "jdetr.ws.slow.consumer") == slow0; id++) {
        assertThat(System.nanoTime() - start).as("slow reader closed within 90 s").isLessThan(90_000_000_000L);
        raw.sendImage(id, busy);
        if (firstUndelivered == 0 && Servers.counter(server, "jdetr.results.undelivered") > undelivered0) {
          firstUndelivered = System.nanoTime();
          servedAtFirstUndelivered = othersServed.get();
        }
        Thread.sleep(5);
      }
      long closedAfter = System.nanoTime();
      double fullForMs = (closedAfter - firstUndelivered) / 1e6;
      long servedWhileFull = othersServed.get() - servedAtFirstUndelivered;
      int code = raw.awaitClose(20_000); // reading now drains the queue and reaches the close frame
      long fullSince = firstUndelivered;
      double[] before = percentiles(roundTrips, Long.MIN_VALUE, fullSince);
      double[] during = percentiles(roundTrips, fullSince, closedAfter);
      System.out.printf("W3 slow reader: first result dropped after %.1f s, closed %.1f s later with %d; "
              + "%.0f results dropped; %d other streams served %d frames meanwhile; their round trip p50/p99 "
              + "%.0f/%.0f ms before, %.0f/%.0f ms while the slow reader's queue was full%n",
          (firstUndelivered - start) / 1e9, fullForMs / 1e3, code,
          Servers.counter(server, "jdetr.results.undelivered") - undelivered0, OTHERS, servedWhileFull,
          before[0], before[1], during[0], during[1]);
      assertThat(code).isEqualTo(1008);
      assertThat(Servers.counter(server, "jdetr.ws.closed", "code", "1008") - closed0).isEqualTo(1);
      assertThat(fullForMs).isGreaterThanOrEqualTo(SLOW_READER_SECONDS * 1000 - 50);
      assertThat(servedWhileFull).as("other streams kept being served").isPositive();
      // test-matrix row W3: the other streams' p99 stays within budget while the queue is full
      // (measured here 53 ms before, 82 ms during; the bound allows a loaded 2-core machine)
      assertThat(during[1]).as("p99 of the other streams while the slow reader's queue was full, ms")
          .isLessThanOrEqualTo(Math.max(1000.0, 5 * before[1]));
    } finally {
      stop.set(true);
      for (Thread t : others) {
        t.join(60_000);
      }
    }
    assertThat(otherFailure.get()).isNull();
    assertThat(Servers.usedHeapAfterGc() - heapBefore).isLessThan(32L << 20);
  }
}

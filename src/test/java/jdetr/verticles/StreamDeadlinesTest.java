package jdetr.verticles;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Test matrix W5: slowloris handshakes and idle streams are closed by their deadlines, and the
 * slots of idle streams are freed.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class StreamDeadlinesTest {

  private static final int HANDSHAKE_SECONDS = 3;
  private static final int IDLE_SECONDS = 3;
  /** Slack for timers on a loaded 2-core machine. */
  private static final long SLACK_MS = 3000;

  private static final int IDLE_STREAMS = 200;
  private static DetectionServer server;
  private static Vertx vertx;

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    server = Servers.start("{\"handshakeTimeoutSeconds\": " + HANDSHAKE_SECONDS + ", \"idleTimeoutSeconds\": "
        + IDLE_SECONDS + ", \"maxStreams\": " + (IDLE_STREAMS + 8) + "}");
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  @Test
  void aDripFedHandshakeIsCutAtTheHandshakeDeadline() throws Exception {
    byte[] request = RawWebSocket.handshake(server.port(), "/v1/stream", Map.of()).getBytes(StandardCharsets.US_ASCII);
    try (RawWebSocket raw = RawWebSocket.connect(server.port(), 0)) {
      long start = System.nanoTime();
      boolean closed = false;
      for (int i = 0; i < request.length - 1 && !closed; i++) { // never the final byte
        try {
          raw.writeRaw(new byte[] {request[i]});
        } catch (IOException e) {
          closed = true;
        }
        closed = closed || raw.awaitEndOfStream(500);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("W5 slowloris handshake (1 byte / 0.5 s): closed after %.1f s%n", seconds);
      assertThat(closed).isTrue();
      assertThat(seconds * 1000).isLessThan(HANDSHAKE_SECONDS * 1000 + SLACK_MS);
    }
  }

  @Test
  void silentConnectionsAreAllClosedAtTheHandshakeDeadline() throws Exception {
    List<RawWebSocket> sockets = new ArrayList<>();
    long start = System.nanoTime();
    try {
      for (int i = 0; i < 50; i++) {
        sockets.add(RawWebSocket.connect(server.port(), 0));
      }
      for (RawWebSocket s : sockets) {
        long left = HANDSHAKE_SECONDS * 1000 + SLACK_MS - (System.nanoTime() - start) / 1_000_000;
        assertThat(s.awaitEndOfStream(Math.max(1, left))).as("closed by the deadline").isTrue();
      }
      System.out.printf("W5 50 silent connections: all closed after %.1f s%n", (System.nanoTime() - start) / 1e9);
    } finally {
      for (RawWebSocket s : sockets) {
        s.close();
      }
    }
  }

  @Test
  void twoHundredIdleStreamsAreAllClosedByTheIdleTimeoutAndTheirSlotsFreed() throws Exception {
    double closed0 = Servers.counter(server, "jdetr.ws.closed", "code", "1000");
    List<RawWebSocket> sockets = new ArrayList<>();
    long start = System.nanoTime();
    try {
      for (int i = 0; i < IDLE_STREAMS; i++) {
        RawWebSocket s = RawWebSocket.open(server.port(), "/v1/stream", Map.of(), 0);
        sockets.add(s);
        assertThat(s.status).as("stream %d upgraded", i).isEqualTo(101);
      }
      long lastUpgrade = System.nanoTime();
      // the server's count of idle closes, polled: when the last stream was closed
      long deadline = lastUpgrade + (IDLE_SECONDS * 1000 + SLACK_MS) * 1_000_000L;
      while (Servers.counter(server, "jdetr.ws.closed", "code", "1000") - closed0 < IDLE_STREAMS
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      double allClosed = (System.nanoTime() - lastUpgrade) / 1e9;
      assertThat(Servers.counter(server, "jdetr.ws.closed", "code", "1000") - closed0)
          .as("idle streams closed within %d ms of the last upgrade", IDLE_SECONDS * 1000 + SLACK_MS)
          .isEqualTo(IDLE_STREAMS);
      for (int i = 0; i < sockets.size(); i++) {
        assertThat(sockets.get(i).awaitClose(5000)).as("stream %d got close 1000", i).isEqualTo(1000);
      }
      System.out.printf("W5 %d idle streams (opened in %.1f s): all closed with 1000 by %.1f s after the last upgrade%n",
          IDLE_STREAMS, (lastUpgrade - start) / 1e9, allClosed);
    } finally {
      for (RawWebSocket s : sockets) {
        s.close();
      }
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (server.registry().get("jdetr.streams.open").gauge().value() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(server.registry().get("jdetr.streams.open").gauge().value()).as("slots freed").isZero();
  }

  @Test
  void anIdleStreamIsClosedAndAnActiveOneIsNot() throws Exception {
    byte[] frame = Servers.frames(1, 160, 120).get(0);
    double closed0 = Servers.counter(server, "jdetr.ws.closed", "code", "1000");
    try (TestStream idle = TestStream.open(vertx, server.port());
        TestStream active = TestStream.open(vertx, server.port())) {
      long start = System.nanoTime();
      for (long id = 1; !idle.closed.isDone(); id++) {
        active.roundTrip(id, frame);
        Thread.sleep(700);
        assertThat(System.nanoTime() - start).isLessThan((IDLE_SECONDS * 1000 + SLACK_MS) * 1_000_000L);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("W5 idle stream: closed with %d (%s) after %.1f s%n", idle.ws.closeStatusCode(),
          idle.ws.closeReason(), seconds);
      assertThat(idle.awaitClose(Duration.ofSeconds(1))).isEqualTo((short) 1000);
      assertThat(idle.ws.closeReason()).startsWith("idle timeout");
      assertThat(seconds).isGreaterThanOrEqualTo(IDLE_SECONDS - 0.05);
      assertThat(active.closed).isNotDone();
      assertThat(Servers.counter(server, "jdetr.ws.closed", "code", "1000") - closed0).isEqualTo(1);
      active.roundTrip(999, frame);
    }
  }
}

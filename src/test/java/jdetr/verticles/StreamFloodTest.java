package jdetr.verticles;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Test matrix W9: a connection flood beyond maxStreams is refused with 503; admitted streams work. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class StreamFloodTest {

  private static final int MAX_STREAMS = 8;
  private static final int EXCESS = 50;
  private static DetectionServer server;
  private static Vertx vertx;

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    server = Servers.start("{\"maxStreams\": " + MAX_STREAMS + "}");
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  @Test
  void exactlyTheExcessIsRefusedAndAdmittedStreamsAreServed() throws Exception {
    List<byte[]> frames = Servers.frames(2, 160, 120);
    List<TestStream> admitted = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_STREAMS; i++) {
        admitted.add(TestStream.open(vertx, server.port()));
      }
      double refused0 = Servers.counter(server, "jdetr.ws.refused", "status", "503");
      List<CompletableFuture<Integer>> flood = new ArrayList<>();
      for (int i = 0; i < EXCESS; i++) {
        flood.add(CompletableFuture.supplyAsync(() -> {
          try (TestStream s = TestStream.open(vertx, server.port())) {
            return 101;
          } catch (UpgradeRejectedException e) {
            return e.getStatus();
          } catch (Exception e) {
            return -1;
          }
        }));
      }
      int refused = 0;
      for (CompletableFuture<Integer> f : flood) {
        if (f.get(60, TimeUnit.SECONDS) == 503) {
          refused++;
        }
      }
      System.out.printf("W9 flood: %d admitted, %d of %d extra refused with 503%n", admitted.size(), refused, EXCESS);
      assertThat(refused).isEqualTo(EXCESS);
      assertThat(Servers.counter(server, "jdetr.ws.refused", "status", "503") - refused0).isEqualTo(EXCESS);
      assertThat(server.registry().get("jdetr.streams.open").gauge().value()).isEqualTo(MAX_STREAMS);
      long id = 1;
      for (TestStream s : admitted) {
        JsonObject r = s.roundTrip(id, frames.get((int) (id % 2)));
        assertThat(r.getLong("frame")).isEqualTo(id++);
        assertThat(r.getJsonArray("detections")).isNotEmpty();
      }
      // a freed slot admits a new stream
      admitted.remove(0).close();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (server.registry().get("jdetr.streams.open").gauge().value() >= MAX_STREAMS
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      admitted.add(TestStream.open(vertx, server.port()));
    } finally {
      admitted.forEach(TestStream::close);
    }
  }
}

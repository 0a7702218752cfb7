package jdetr.verticles;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * The meters of a server: every gauge registered once (no Micrometer "already registered" message
 * at any level while servers start, serve several connections and stop), a server's gauges gone
 * after it stops, and each server's Vert.x meters in its own registry even when two run at once.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class ServerMetersTest {

  private final Logger micrometer = (Logger) LoggerFactory.getLogger("io.micrometer");
  private final ListAppender<ILoggingEvent> log = new ListAppender<>();
  private Level level;

  @BeforeEach
  void capture() {
    level = micrometer.getLevel();
    micrometer.setLevel(Level.DEBUG); // after its first warning Micrometer logs re-registrations at DEBUG
    log.start();
    micrometer.addAppender(log);
  }

  @AfterEach
  void release() {
    micrometer.detachAppender(log);
    micrometer.setLevel(level);
  }

  private List<String> reRegistrations() {
    return log.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("already registered")).toList();
  }

  private static int get(int port, String path) throws Exception {
    // a new client each time: a new connection each time
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void serversStartServeAndStopWithoutRegisteringAGaugeTwice(Vertx vertx) throws Exception {
    byte[] frame = Servers.frames(1, 160, 120).get(0);
    DetectionServer a = Servers.start("{}");
    DetectionServer b = Servers.start("{}");
    try {
      for (int i = 0; i < 3; i++) {
        assertThat(get(a.port(), "/health/ready")).isEqualTo(200);
        assertThat(get(b.port(), "/v1/info")).isEqualTo(200);
      }
      for (int i = 0; i < 3; i++) {
        try (TestStream s = TestStream.open(vertx, a.port())) {
          assertThat(s.roundTrip(i + 1, frame).containsKey("detections")).isTrue();
        }
      }
      assertThat(get(a.port(), "/metrics")).isEqualTo(200);
      // Vert.x meters of each server land in that server's registry
      assertThat(requests(b)).as("b's own requests only").isEqualTo(3);
      assertThat(requests(a)).isGreaterThanOrEqualTo(4);
      assertThat(a.registry().find("jdetr.streams.open").gauge()).isNotNull();
    } finally {
      a.close();
      b.close();
    }
    assertThat(a.registry().find("jdetr.streams.open").gauges()).as("gauges removed at stop").isEmpty();
    assertThat(a.registry().find("jdetr.frames.waiting").gauges()).isEmpty();
    assertThat(reRegistrations()).isEmpty();
  }

  @Test
  void aGaugeOfOursRegisteredTwiceIsStillLogged() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Gauge.builder("jdetr.test.twice", () -> 1).register(registry);
    Gauge.builder("jdetr.test.twice", () -> 2).register(registry);
    assertThat(reRegistrations()).singleElement().asString().contains("jdetr.test.twice");
  }

  /** HTTP requests counted by the Vert.x meters in a server's registry. */
  private static double requests(DetectionServer server) {
    return server.registry().find("vertx.http.server.requests").counters().stream().mapToDouble(c -> c.count()).sum();
  }
}

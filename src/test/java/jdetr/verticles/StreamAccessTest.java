package jdetr.verticles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/** Test matrix W6: bearer token and Origin checked at the upgrade, token never logged. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class StreamAccessTest {

  private static final String TOKEN = "s3cret-token-42";
  private static final String ALLOWED = "https://app.example";
  private static DetectionServer server;
  private static Vertx vertx;
  private static final ListAppender<ILoggingEvent> LOG = new ListAppender<>();

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    LOG.start();
    ((Logger) LoggerFactory.getLogger("jdetr.serve.access")).addAppender(LOG);
    server = Servers.start("{\"token\": \"" + TOKEN + "\", \"allowedOrigins\": [\"" + ALLOWED + "\"]}");
  }

  @AfterAll
  static void stop() throws Exception {
    ((Logger) LoggerFactory.getLogger("jdetr.serve.access")).detachAppender(LOG);
    server.close();
  }

  /** The upgrade's HTTP status: 101 if the stream opened. */
  private static int upgrade(String query, String authorization, String origin) throws Exception {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (authorization != null) {
      headers.add("Authorization", authorization);
    }
    if (origin != null) {
      headers.add("Origin", origin);
    }
    try (TestStream s = TestStream.open(vertx, server.port(), query, headers)) {
      assertThat(s.roundTrip(1, Servers.frames(1, 160, 120).get(0)).containsKey("detections")).isTrue();
      return 101;
    } catch (UpgradeRejectedException e) {
      return e.getStatus();
    }
  }

  @Test
  void tokenAndOriginMatrix() throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L; // streams of earlier tests finish closing
    while (server.registry().get("jdetr.streams.open").gauge().value() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    double refused401 = Servers.counter(server, "jdetr.ws.refused", "status", "401");
    double refused403 = Servers.counter(server, "jdetr.ws.refused", "status", "403");
    assertThat(upgrade("", null, null)).as("no token").isEqualTo(401);
    assertThat(upgrade("", "Bearer wrong-token", null)).as("wrong token").isEqualTo(401);
    assertThat(upgrade("", "Basic " + TOKEN, null)).as("not a bearer token").isEqualTo(401);
    assertThat(upgrade("access_token=wrong-token", null, null)).as("wrong query token").isEqualTo(401);
    assertThat(upgrade("", "Bearer " + TOKEN, "https://evil.example")).as("foreign origin").isEqualTo(403);
    assertThat(upgrade("", null, "https://evil.example")).as("foreign origin, no token").isEqualTo(403);
    assertThat(server.registry().get("jdetr.streams.open").gauge().value()).as("no slot for refused upgrades").isZero();
    assertThat(upgrade("", "Bearer " + TOKEN, null)).as("token, no origin").isEqualTo(101);
    assertThat(upgrade("", "Bearer " + TOKEN, ALLOWED)).as("token and allowed origin").isEqualTo(101);
    assertThat(upgrade("access_token=" + TOKEN, null, ALLOWED)).as("query token (browsers)").isEqualTo(101);
    assertThat(Servers.counter(server, "jdetr.ws.refused", "status", "401") - refused401).isEqualTo(4);
    assertThat(Servers.counter(server, "jdetr.ws.refused", "status", "403") - refused403).isEqualTo(2);
  }

  @Test
  void theHttpApiNeedsTheTokenToo() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    URI info = URI.create("http://127.0.0.1:" + server.port() + "/v1/info");
    assertThat(http.send(HttpRequest.newBuilder(info).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(401);
    HttpResponse<String> ok = http.send(HttpRequest.newBuilder(info).header("Authorization", "Bearer " + TOKEN).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(ok.statusCode()).isEqualTo(200);
    HttpResponse<String> detect = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.port() + "/v1/detect?access_token=nope"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1})).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(detect.statusCode()).isEqualTo(401);
    assertThat(detect.headers().firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    // health and metrics stay open for probes and scrapers
    assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health/ready"))
        .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
  }

  @Test
  void theAccessLogNeverShowsTheToken() throws Exception {
    upgrade("access_token=" + TOKEN, null, ALLOWED);
    upgrade("access_token=" + TOKEN + "x", null, null);
    upgrade("", "Bearer " + TOKEN, null);
    Thread.sleep(200);
    assertThat(LOG.list).isNotEmpty();
    assertThat(LOG.list).extracting(ILoggingEvent::getFormattedMessage)
        .allSatisfy(line -> assertThat(line).doesNotContain(TOKEN))
        .anySatisfy(line -> assertThat(line).contains("access_token=***"));
  }

  @Test
  void aRefusedUpgradeSaysWhyWithoutEchoingTheToken() throws Exception {
    Throwable e = catchThrowable(() -> TestStream.open(vertx, server.port(), "access_token=" + TOKEN + "zz", null));
    assertThat(e).isInstanceOf(UpgradeRejectedException.class);
    UpgradeRejectedException rejected = (UpgradeRejectedException) e;
    assertThat(rejected.getStatus()).isEqualTo(401);
    assertThat(String.valueOf(rejected.getBody())).contains("token invalid").doesNotContain(TOKEN);
  }
}

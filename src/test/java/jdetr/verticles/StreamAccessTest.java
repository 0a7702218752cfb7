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

  /** The status line of a raw HTTP/1.1 request with the given Host and Origin headers. */
  private static int rawStatus(int port, String head) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String status = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
          java.nio.charset.StandardCharsets.US_ASCII)).readLine();
      return Integer.parseInt(status.split(" ")[1]);
    }
  }

  /**
   * DNS rebinding: a page of example.com whose name was rebound to this machine sends its own name
   * as Origin and Host. Without an allowlist only the configured names are same-origin.
   */
  @Test
  void aNameReboundToTheServerIsRefused() throws Exception {
    DetectionServer open = Servers.start("{}");
    try {
      int port = open.port();
      String info = "GET /v1/info HTTP/1.1\r\nConnection: close\r\n";
      assertThat(rawStatus(port, info + "Host: example.com:" + port + "\r\nOrigin: http://example.com:" + port
          + "\r\n\r\n")).as("rebound name, HTTP").isEqualTo(403);
      String upgrade = "GET /v1/stream HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
      assertThat(rawStatus(port, upgrade + "Host: example.com:" + port + "\r\nOrigin: http://example.com:" + port
          + "\r\n\r\n")).as("rebound name, WebSocket").isEqualTo(403);
      assertThat(rawStatus(port, info + "Host: example.com:" + port + "\r\nOrigin: http://localhost:" + port
          + "\r\n\r\n")).as("a loopback page").isEqualTo(200);
      assertThat(rawStatus(port, upgrade + "Host: 127.0.0.1:" + port + "\r\nOrigin: http://127.0.0.1:" + port
          + "\r\n\r\n")).as("a loopback page, WebSocket").isEqualTo(101);
      assertThat(rawStatus(port, info + "Host: 127.0.0.1:" + port + "\r\nOrigin: http://127.0.0.1:" + (port + 1)
          + "\r\n\r\n")).as("another port").isEqualTo(403);
    } finally {
      open.close();
    }
  }

  @Test
  void listeningOnEveryInterfaceWithoutATokenIsWarnedAbout() throws Exception {
    ListAppender<ILoggingEvent> warnings = new ListAppender<>();
    warnings.start();
    Logger log = (Logger) LoggerFactory.getLogger(DetectionServerVerticle.class);
    log.addAppender(warnings);
    try {
      Servers.start("{\"host\": \"0.0.0.0\"}").close();
      Servers.start("{\"host\": \"0.0.0.0\", \"token\": \"" + TOKEN + "\"}").close();
      Servers.start("{}").close();
    } finally {
      log.detachAppender(warnings);
    }
    assertThat(warnings.list).filteredOn(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
        .extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly("listening on 0.0.0.0 (every interface) without a token: anyone who can reach the port"
            + " can use /v1/*. Set a token (--set token=...) or listen on loopback only (--set host=127.0.0.1)");
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

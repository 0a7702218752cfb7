package jdetr.verticles;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import jdetr.serve.HostileImages;
import jdetr.serve.ShapesScene;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The plain HTTP routes of a real server on loopback. */
@Timeout(120)
class ServerHttpTest {

  private static DetectionServer server;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void start() throws Exception {
    server = Servers.start("{\"maxRequestBytes\": 200000}");
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String path, byte[] body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "image/jpeg").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  @Test
  void detectReturnsTheShapesWithNamesScoresAndPixelBoxes() throws Exception {
    ShapesScene scene = ShapesScene.random(21, 400, 300, 4, 0);
    HttpResponse<String> r = post("/v1/detect?threshold=0.5", ShapesScene.jpeg(scene.render(0), 0.9f));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    JsonObject body = new JsonObject(r.body());
    assertThat(body.getInteger("width")).isEqualTo(400);
    JsonArray dets = body.getJsonArray("detections");
    assertThat(dets).hasSize(4);
    for (int i = 0; i < dets.size(); i++) {
      JsonObject d = dets.getJsonObject(i);
      assertThat(d.getString("name")).isEqualTo(ShapesScene.CLASSES.get(d.getInteger("label")));
      assertThat(d.getDouble("score")).isBetween(0.5, 1.0);
      JsonArray box = d.getJsonArray("box");
      assertThat(box.getDouble(0)).isLessThan(box.getDouble(2));
      assertThat(box.getDouble(3)).isLessThanOrEqualTo(300.0);
    }
    assertThat(body.getJsonObject("timings").fieldNames()).contains("decode_ms", "infer_ms", "total_ms");
    assertThat(new JsonObject(post("/v1/detect?threshold=1", ShapesScene.jpeg(scene.render(0), 0.9f)).body())
        .getJsonArray("detections")).isEmpty();
  }

  @Test
  void badInputGetsAClearError() throws Exception {
    HttpResponse<String> notImage = post("/v1/detect", HostileImages.notAnImage());
    assertThat(notImage.statusCode()).isEqualTo(422);
    assertThat(new JsonObject(notImage.body()).getJsonObject("error").getString("code")).isEqualTo("IMAGE_REJECTED");
    byte[] bomb = HostileImages.pngDeclaring(100_000, 100_000, 10);
    assertThat(new JsonObject(post("/v1/detect", bomb).body()).getJsonObject("error").getString("reason"))
        .startsWith("too_many_pixels(100000x100000)");
    assertThat(post("/v1/detect?threshold=abc", HostileImages.notAnImage()).statusCode()).isEqualTo(400);
    assertThat(post("/v1/detect", new byte[300_000]).statusCode()).isEqualTo(413);
    assertThat(get("/v1/detect").statusCode()).isIn(404, 405);
  }

  @Test
  void infoHealthAndMetrics() throws Exception {
    JsonObject info = new JsonObject(get("/v1/info").body());
    assertThat(info.getBoolean("ready")).isTrue();
    assertThat(info.getJsonArray("classes").getList()).containsExactly("rectangle", "ellipse", "triangle");
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
    HttpResponse<String> ready = get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).contains("\"outcome\":\"UP\"");
    post("/v1/detect", ShapesScene.jpeg(ShapesScene.random(1, 64, 48, 1, 0).render(0), 0.9f));
    String metrics = get("/metrics").body();
    assertThat(metrics).contains("jdetr_frames_in_total", "jdetr_frames_processed_total",
        "jdetr_frames_dropped_total{reason=\"superseded\"}", "jdetr_frame_latency_seconds_bucket",
        "jdetr_batch_size_bucket", "jdetr_streams_open", "jdetr_frame_decode_seconds_count",
        "jdetr_batch_infer_seconds_count", "vertx_http_server_requests_total");
  }

  @Test
  void thePageIsServedWithAStrictContentSecurityPolicy() throws Exception {
    HttpResponse<String> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<canvas id=\"overlay\">", "app.js", "id=\"detection-count\"")
        .doesNotContain("http://", "https://");
    assertThat(page.headers().firstValue("content-security-policy").orElse(""))
        .contains("default-src 'self'", "script-src 'self'");
    assertThat(get("/app.js").body()).contains("getUserMedia", "setBigUint64");
    assertThat(get("/style.css").statusCode()).isEqualTo(200);
    assertThat(get("/nothing-here").statusCode()).isEqualTo(404);
  }
}

package jdetr.verticles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import jdetr.checkpoint.ModelWeights;
import jdetr.data.ImageDecoder;
import jdetr.data.ImageLimits;
import jdetr.data.RgbImage;
import jdetr.eval.Detection;
import jdetr.model.Detr;
import jdetr.model.DetrConfig;
import jdetr.serve.DetectorChoice;
import jdetr.serve.DetrDetector;
import jdetr.serve.ServeConfig;
import jdetr.serve.ShapesScene;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product path with the DETR model: a small random-weight DETR saved as jdetr weights, served;
 * what the server answers equals what the model predicts on the same decoded frame.
 */
@ExtendWith(VertxExtension.class)
@Timeout(180)
class DetrServingTest {

  private static final String SETTINGS = "{\"inputSize\": 96, \"maxInputSize\": 160, \"threshold\": 0}";
  @TempDir
  static Path dir;
  private static Path weights;
  private static DetectionServer server;
  private static Vertx vertx;

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    DetrConfig small = DetrConfig.builder().backbone("resnet18").hiddenDim(32).nheads(4).encLayers(1)
        .decLayers(2).dimFeedforward(64).numQueries(7).numClasses(4).build();
    weights = dir.resolve("weights");
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      ModelWeights.save(weights, Detr.create(small, m), Map.of(1, "rectangle", 2, "ellipse", 3, "triangle"));
    }
    ServeConfig config = Servers.config(SETTINGS);
    server = Servers.start(SETTINGS, DetectorChoice.detr(weights));
    assertThat(config.inputSize()).isEqualTo(96);
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  @Test
  void servedDetectionsEqualTheModelsOnTheSameFrame() throws Exception {
    byte[] jpeg = ShapesScene.jpeg(ShapesScene.random(8, 200, 150, 3, 0).render(0), 0.9f);
    List<Detection> expected;
    RgbImage decoded = new ImageDecoder(ImageLimits.withMaxPixels(1 << 20)).decode(jpeg, 0, jpeg.length);
    try (DetrDetector direct = DetrDetector.load(weights, Servers.config(SETTINGS), DetrConfig.defaults())) {
      expected = direct.detectFrames(List.of(decoded)).get(0).stream()
          .sorted(Comparator.comparingDouble(Detection::score).reversed()).toList();
    }
    assertThat(expected).hasSize(7); // every query, threshold 0

    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.port() + "/v1/detect?threshold=0"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(jpeg)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertMatches(new JsonObject(r.body()).getJsonArray("detections"), expected);

    try (TestStream s = TestStream.open(vertx, server.port(), "threshold=0", null)) {
      JsonObject msg = s.roundTrip(5, jpeg);
      assertThat(msg.getLong("frame")).isEqualTo(5);
      assertMatches(msg.getJsonArray("detections"), expected);
    }
  }

  @Test
  void classNamesComeFromTheWeights() throws Exception {
    String info = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.port() + "/v1/info")).build(), HttpResponse.BodyHandlers.ofString()).body();
    JsonObject json = new JsonObject(info);
    assertThat(json.getJsonArray("classes").getList()).containsExactly("N/A", "rectangle", "ellipse", "triangle");
    assertThat(json.getString("detector")).startsWith("detr weights (input 96, max 160");
  }

  private static void assertMatches(JsonArray served, List<Detection> expected) {
    assertThat(served).hasSize(expected.size());
    for (int i = 0; i < expected.size(); i++) {
      JsonObject d = served.getJsonObject(i);
      Detection e = expected.get(i);
      // both lists are sorted by the exact float score, stably: same order
      assertThat(d.getDouble("score")).isCloseTo(e.score(), within(0.6e-4)); // JSON keeps 4 decimals
      assertThat(d.getInteger("label")).isEqualTo(e.label());
      JsonArray box = d.getJsonArray("box");
      assertThat(box.getDouble(0)).isCloseTo(e.x0(), within(0.06)); // JSON keeps 0.1 px
      assertThat(box.getDouble(1)).isCloseTo(e.y0(), within(0.06));
      assertThat(box.getDouble(2)).isCloseTo(e.x1(), within(0.06));
      assertThat(box.getDouble(3)).isCloseTo(e.y1(), within(0.06));
    }
  }
}

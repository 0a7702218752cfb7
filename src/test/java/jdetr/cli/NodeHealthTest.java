package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import jdetr.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code jdetr node --role trainer} process serves its probes and metrics on the port it was
 * given: live and ready answer 200 with every check UP once it is a member with its stages
 * deployed, {@code /metrics} carries the Vert.x, JVM and training meters (the step gauge follows
 * the steps it prints), and {@code --log-json} writes its log as JSON lines.
 */
class NodeHealthTest {
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void trainerNodeServesProbesAndMetrics(@TempDir Path tmp) throws Exception {
    ObjectNode r = TrainResumeTest.recipe(tmp.resolve("shapes"), tmp.resolve("out"));
    ((ObjectNode) r.get("data").get("synth")).put("train", 40);
    Path recipe = tmp.resolve("recipe.json");
    Files.writeString(recipe, r.toPrettyString());
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<String> args = List.of("node", "--role", "trainer", "--cluster",
        TestCluster.CLUSTER_XML.toString(), "--cluster-name", "jdetr-test-" + UUID.randomUUID(),
        "--host", "127.0.0.1", "--verticles", "verticles", "--http-host", "127.0.0.1",
        "--http-port", Integer.toString(port), "--log-json", recipe.toString());
    try (ChildJvm node = ChildJvm.start("node-health", TestCluster.LOGS, TestCluster.HAZELCAST_JVM_ARGS,
        Main.class.getName(), args)) {
      JsonObject ready = new JsonObject(node.awaitLine(l -> l.startsWith("{\"event\":\"ready\""),
          Duration.ofSeconds(120)));
      assertThat(ready.getInteger("httpPort")).isEqualTo(port);
      String base = "http://127.0.0.1:" + port;

      HttpResponse<String> live = get(base + "/health/live");
      assertThat(live.statusCode()).as(live.body()).isEqualTo(200);
      HttpResponse<String> readiness = get(base + "/health/ready");
      assertThat(readiness.statusCode()).as(readiness.body()).isEqualTo(200);
      JsonObject checks = new JsonObject(readiness.body());
      assertThat(checks.getString("status")).isEqualTo("UP");
      assertThat(checks.getJsonArray("checks").stream().map(c -> ((JsonObject) c).getString("id")))
          .containsExactlyInAnyOrder("member", "cluster-safe", "stages");

      node.awaitLine(l -> l.contains("\"event\":\"step\"") && l.contains("\"step\":3,"),
          Duration.ofSeconds(100));
      HttpResponse<String> metrics = get(base + "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("jvm_memory_used_bytes", "vertx_eventbus_handlers")
          .containsPattern("(?m)^jdetr_train_step [3-9]")
          .containsPattern("(?m)^jdetr_train_loss [0-9]");

      List<String> log = Files.readAllLines(node.stderrFile());
      List<String> json = log.stream().filter(l -> l.startsWith("{")).toList();
      assertThat(json).as("JSON log lines in %s", log).isNotEmpty();
      for (String l : json) {
        JsonObject event = new JsonObject(l);
        assertThat(event.getString("level")).isNotNull();
        assertThat(event.getString("loggerName")).isNotNull();
        assertThat(event.getString("formattedMessage")).isNotNull();
      }
      assertThat(json).anyMatch(l -> l.contains("deployed stage trainer"));
    }
  }
}

package jdetr.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import jdetr.checkpoint.ModelWeights;
import jdetr.cli.Main;
import jdetr.testing.ChildJvm;
import jdetr.testing.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cpu overlay as rendered, run as pods on this machine ({@link PodNetwork}, {@link EmulatedPod}):
 * the ConfigMaps' files, the bus Secret (certificates made here) and the claims at their mount
 * paths, the headless Service's name resolving to the member pods. The demo recipe, shortened
 * (2 epochs of 64 images, a checkpoint every 2 steps; request timeouts of 3 s in the trainer's
 * descriptor, as the cluster tests use), trains across trainer, data, two matcher and eval pods with
 * probes polled as the manifests give them; a matcher pod is SIGKILLed and replaced, the trainer
 * pod is SIGKILLed and restarted with its volume (its args carry --resume). The weights after the
 * last step must equal those of the same recipe trained in one JVM. Then two serve pods load the
 * trained checkpoint and answer /v1/detect and a WebSocket stream at their pod addresses.
 */
class RenderedPodsTest {
  private static final int STEPS = 16;
  private static final Duration START = Duration.ofSeconds(240);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  @TempDir Path tmp;
  private final List<Path> createdMountPoints = new ArrayList<>();
  private final Map<String, Path> volumes = new LinkedHashMap<>();
  private PodNetwork network;
  private RenderedManifests rendered;
  private List<String> entrypoint;
  private Path app;
  private Path logs;

  @Test
  @Timeout(value = 900, unit = TimeUnit.SECONDS)
  void renderedPodsTrainSurviveKillsAndServe() throws Exception {
    rendered = RenderedManifests.render("cpu");
    entrypoint = ImageContractTest.Image.of(Path.of("Dockerfile")).entrypoint();
    logs = Files.createDirectories(Path.of("target", "child-logs", "pods"));
    prepareVolumes();
    Path recipe = tmp.resolve("cm/jdetr-recipe/recipe.json");
    ObjectNode reference = (ObjectNode) RenderedManifests.YAML.readTree(Files.readString(recipe));
    ((ObjectNode) reference.get("data")).put("root", tmp.resolve("ref-data").toString());
    reference.put("output_dir", tmp.resolve("ref-run").toString());
    Files.writeString(tmp.resolve("reference.json"), reference.toPrettyString());
    List<String> ownerThreads = List.of("-Dai.djl.pytorch.num_threads=4"); // the trainer pod's JAVA_TOOL_OPTIONS
    try (ChildJvm oneJvm = ChildJvm.start("pods-reference-one-jvm", logs, ownerThreads, Main.class.getName(),
            List.of("train", "--sequential", tmp.resolve("reference.json").toString()));
        PodNetwork net = PodNetwork.create("jdk8s", 79)) {
      network = net;
      List<EmulatedPod> pods = new ArrayList<>();
      try {
        List<String> members = List.of("jdetr-data-a", "jdetr-matcher-a", "jdetr-matcher-b", "jdetr-eval-a",
            "jdetr-trainer-0");
        for (String p : members) {
          network.addPod(p);
        }
        network.service("jdetr-hazelcast", members);
        EmulatedPod data = start(pods, "jdetr-data-a", "Deployment", "jdetr-data");
        awaitProbes(data, "jdetr-data", 8081);
        EmulatedPod matcherA = start(pods, "jdetr-matcher-a", "Deployment", "jdetr-matcher");
        start(pods, "jdetr-matcher-b", "Deployment", "jdetr-matcher");
        EmulatedPod eval = start(pods, "jdetr-eval-a", "Deployment", "jdetr-eval");
        EmulatedPod trainer = start(pods, "jdetr-trainer-0", "StatefulSet", "jdetr-trainer");
        for (EmulatedPod p : List.copyOf(pods)) {
          awaitProbes(p, p.name().replaceAll("-(a|b|0)$", ""), 8081);
        }

        // a matcher pod dies; its Deployment starts a new pod (new name, new address)
        step(trainer, 3);
        matcherA.kill();
        network.removePod("jdetr-matcher-a");
        network.addPod("jdetr-matcher-c");
        network.service("jdetr-hazelcast", List.of("jdetr-data-a", "jdetr-matcher-b", "jdetr-eval-a",
            "jdetr-trainer-0", "jdetr-matcher-c"));
        EmulatedPod matcherC = start(pods, "jdetr-matcher-c", "Deployment", "jdetr-matcher");
        awaitProbes(matcherC, "jdetr-matcher", 8081);

        // the trainer pod dies; the StatefulSet starts it again, same name and volume
        long killedAfter = step(trainer, 9);
        trainer.kill();
        EmulatedPod again = start(pods, "jdetr-trainer-0", "StatefulSet", "jdetr-trainer");
        awaitProbes(again, "jdetr-trainer", 8081);
        JsonObject end = new JsonObject(again.awaitLine(l -> l.startsWith("{\"event\":\"finished\"")
            || l.startsWith("{\"event\":\"failed\""), Duration.ofSeconds(420)));
        assertThat(end.getString("event")).as(end.encode()).isEqualTo("finished");
        assertThat(again.awaitExit(Duration.ofSeconds(120))).as("trainer exit code").isZero();
        long firstAfterRestart = again.seen().stream().filter(l -> l.startsWith("{\"event\":\"step\""))
            .mapToLong(l -> new JsonObject(l).getLong("step")).min().orElseThrow();
        assertThat(firstAfterRestart).as("the restarted trainer continued from a checkpoint of the volume")
            .isBetween(2L, killedAfter + 1);
        assertThat(end.getJsonObject("matched_by").fieldNames())
            .as("the replacement matcher pod took work").contains(matcherC.pid() + "@jdetr-matcher-c");
        assertThat(oneJvm.awaitExit(Duration.ofSeconds(420))).as("one-JVM run; %s", oneJvm.stderrTail()).isZero();
        String step = "step-%06d".formatted(STEPS);
        assertThat(ModelWeights.readInfo(volumes.get("jdetr-run").resolve("checkpoints").resolve(step)).sha256())
            .as("weights after the pods' run (trainer killed after step %d) equal the one-JVM run's", killedAfter)
            .isEqualTo(ModelWeights.readInfo(tmp.resolve("ref-run/checkpoints").resolve(step)).sha256());
        assertThat(eval.isAlive() && data.isAlive()).isTrue();
        List<String> logLines = java.nio.file.Files.readAllLines(volumes.get("jdetr-run").resolve("log.jsonl"));
        assertThat(logLines).as("one log line per epoch").hasSize(2);
        for (String line : logLines) {
          assertThat(new JsonObject(line).getJsonArray("test_coco_eval_bbox"))
              .as("epoch evaluated by the eval pod: %s", line).isNotNull().hasSize(12);
        }
        for (EmulatedPod p : pods) {
          if (p.isAlive()) {
            p.terminate(Duration.ofSeconds(60));
          }
        }
        serve(pods, volumes.get("jdetr-run").resolve("checkpoints").resolve(step));
        System.out.println(new JsonObject().put("test", "rendered-pods").put("trainerKilledAfterStep", killedAfter)
            .put("end", end).encode());
      } finally {
        for (EmulatedPod p : pods) {
          p.close();
        }
        for (int i = createdMountPoints.size() - 1; i >= 0; i--) {
          Files.deleteIfExists(createdMountPoints.get(i));
        }
      }
    }
  }

  /** Two serve pods on the trained checkpoint: probes, POST /v1/detect at each, a WebSocket stream. */
  private void serve(List<EmulatedPod> pods, Path checkpoint) throws Exception {
    Path current = Files.createDirectories(volumes.get("jdetr-models").resolve("current"));
    try (Stream<Path> files = Files.list(checkpoint)) {
      for (Path f : files.toList()) {
        Files.copy(f, current.resolve(f.getFileName()));
      }
    }
    byte[] image;
    try (Stream<Path> jpgs = Files.walk(tmp.resolve("ref-data"))) {
      image = Files.readAllBytes(jpgs.filter(p -> p.toString().endsWith(".jpg")).findFirst().orElseThrow());
    }
    List<EmulatedPod> servers = new ArrayList<>();
    for (String name : List.of("jdetr-serve-a", "jdetr-serve-b")) {
      network.addPod(name);
      servers.add(start(pods, name, "Deployment", "jdetr-serve"));
    }
    Vertx vertx = Vertx.vertx();
    try {
      for (EmulatedPod s : servers) {
        awaitProbes(s, "jdetr-serve", 8080);
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + s.ip() + ":8080/v1/detect"))
            .POST(HttpRequest.BodyPublishers.ofByteArray(image)).header("Content-Type", "image/jpeg")
            .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s /v1/detect: %s", s.name(), r.body()).isEqualTo(200);
        assertThat(new JsonObject(r.body()).getJsonArray("detections")).as(r.body()).isNotNull();
      }
      CompletableFuture<JsonObject> answer = new CompletableFuture<>();
      WebSocket ws = null;
      // the first connection was closed before the upgrade (no request reached the server's log) in
      // two of seven runs here, the second one then succeeded; cause not found: three attempts, each
      // printed
      for (int attempt = 1; ws == null; attempt++) {
        try {
          ws = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxMessageSize(1 << 20))
              .connect(new WebSocketConnectOptions().setHost(servers.get(1).ip()).setPort(8080).setURI("/v1/stream")
                  .setAllowOriginHeader(false)) // not a browser: no Origin, as the access policy expects
              .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
          System.out.println("WebSocket attempt " + attempt + " to " + servers.get(1).name() + ": " + e.getCause());
          if (attempt == 3) {
            throw e;
          }
          Thread.sleep(1000);
        }
      }
      ws.textMessageHandler(t -> answer.complete(new JsonObject(t)));
      ws.writeBinaryMessage(Buffer.buffer().appendLong(42).appendBytes(image));
      JsonObject result = answer.get(60, TimeUnit.SECONDS);
      assertThat(result.getLong("frame")).as(result.encode()).isEqualTo(42);
      assertThat(result.getJsonArray("detections")).isNotNull();
      ws.close();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private EmulatedPod start(List<EmulatedPod> pods, String pod, String kind, String workload) throws Exception {
    JsonNode spec = rendered.get(kind, workload).path("spec").path("template").path("spec");
    Map<String, Path> podVolumes = new LinkedHashMap<>();
    for (JsonNode v : spec.path("volumes")) {
      String name = v.path("name").asText();
      if (v.has("configMap")) {
        podVolumes.put(name, volumes.get(v.path("configMap").path("name").asText()));
      } else if (v.has("secret")) {
        podVolumes.put(name, volumes.get(v.path("secret").path("secretName").asText()));
      } else if (v.has("persistentVolumeClaim")) {
        podVolumes.put(name, volumes.get(v.path("persistentVolumeClaim").path("claimName").asText()));
      } else {
        // a new pod gets new emptyDirs
        Path dir = tmp.resolve("pods").resolve(pod + "-" + System.nanoTime()).resolve(name);
        podVolumes.put(name, Files.createDirectories(dir));
      }
    }
    EmulatedPod p = EmulatedPod.start(pod, network, spec, podVolumes, app, entrypoint,
        ChildJvm.testClasspath(), logs);
    pods.add(p);
    return p;
  }

  /** Polls the startup probe, then liveness and readiness, at the paths the manifest gives. */
  private void awaitProbes(EmulatedPod pod, String workload, int port) throws Exception {
    JsonNode c = rendered.workloads().stream().filter(w -> RenderedManifests.name(w).equals(workload)).findFirst()
        .orElseThrow().path("spec").path("template").path("spec").path("containers").get(0);
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      String url = "http://" + pod.ip() + ":" + port + c.path(probe).path("httpGet").path("path").asText();
      long deadline = System.nanoTime() + START.toNanos();
      int status = -1;
      while (status != 200) {
        assertThat(pod.isAlive()).as("%s alive while waiting for %s; %s", pod.name(), probe, pod.stderrTail()).isTrue();
        assertThat(System.nanoTime()).as("%s %s %s answered 200 within %s (last %d)", pod.name(), probe, url, START,
            status).isLessThan(deadline);
        try {
          status = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.io.IOException e) {
          status = -1;
        }
        if (status != 200) {
          Thread.sleep(500);
        }
      }
    }
  }

  /** Waits for a step event with step >= {@code n}; returns its step. */
  private static long step(EmulatedPod trainer, long n) throws InterruptedException {
    while (true) {
      JsonObject e = new JsonObject(trainer.awaitLine(l -> l.startsWith("{\"event\":\"step\""), START));
      if (e.getLong("step") >= n) {
        return e.getLong("step");
      }
    }
  }

  /** ConfigMaps (recipe and trainer descriptor shortened), the bus Secret, claims, /app, mount points. */
  private void prepareVolumes() throws Exception {
    for (ObjectNode cm : rendered.ofKind("ConfigMap")) {
      String name = RenderedManifests.name(cm);
      Path dir = Files.createDirectories(tmp.resolve("cm").resolve(name.replaceAll("-[a-z0-9]{10}$", "")));
      volumes.put(name, dir);
      cm.path("data").fields().forEachRemaining(e -> {
        try {
          Files.writeString(dir.resolve(e.getKey()), e.getValue().asText());
        } catch (java.io.IOException x) {
          throw new java.io.UncheckedIOException(x);
        }
      });
    }
    Path recipe = tmp.resolve("cm/jdetr-recipe/recipe.json");
    ObjectNode r = (ObjectNode) RenderedManifests.YAML.readTree(Files.readString(recipe));
    r.put("epochs", 2).put("lr_drop", 1).put("checkpoint_every_steps", 2).put("keep_checkpoints", 20);
    ((ObjectNode) r.get("data").get("synth")).put("train", 64).put("val", 16);
    Files.writeString(recipe, r.toPrettyString());
    Path trainerStage = tmp.resolve("cm/jdetr-verticles/40-trainer.json");
    JsonObject d = new JsonObject(Files.readString(trainerStage));
    d.getJsonObject("config").put("timeoutSeconds", 3).put("attempts", 3).put("evalWaitSeconds", 300);
    Files.writeString(trainerStage, d.encodePrettily());
    TestCertificates ca = TestCertificates.authority(tmp, "jdetr-bus-ca");
    volumes.put("jdetr-bus-tls", ca.issue("jdetr-bus"));
    for (String claim : List.of("jdetr-run", "jdetr-models")) {
      volumes.put(claim, Files.createDirectories(tmp.resolve("pvc").resolve(claim)));
    }
    app = Files.createDirectories(tmp.resolve("app"));
    copyTree(Path.of("conf"), app.resolve("conf"));
    copyTree(Path.of("verticles"), app.resolve("verticles"));
    for (String mount : List.of("/app", "/data", "/models", "/etc/jdetr", "/etc/jdetr/cluster", "/etc/jdetr/verticles",
        "/etc/jdetr/recipe", "/etc/jdetr/tls", "/etc/jdetr/serve", "/var/lib/jdetr", "/var/lib/jdetr/run")) {
      Path p = Path.of(mount);
      if (!Files.exists(p)) {
        createdMountPoints.add(Files.createDirectory(p));
      }
    }
  }

  private static void copyTree(Path from, Path to) throws Exception {
    Files.createDirectories(to);
    try (Stream<Path> s = Files.list(from)) {
      for (Path f : s.toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
  }
}

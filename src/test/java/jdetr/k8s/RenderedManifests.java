package jdetr.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The objects {@code kubectl kustomize k8s/overlays/<overlay>} renders, as JSON trees. kubectl
 * (with its built-in kustomize) must be on the PATH; its absence fails the test with that reason.
 */
final class RenderedManifests {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final String overlay;
  private final List<ObjectNode> objects;

  private RenderedManifests(String overlay, List<ObjectNode> objects) {
    this.overlay = overlay;
    this.objects = objects;
  }

  static RenderedManifests render(String overlay) throws IOException, InterruptedException {
    Path dir = Path.of("k8s", "overlays", overlay);
    Process p;
    try {
      p = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(false).start();
    } catch (IOException e) {
      throw new AssertionError("kubectl (with kustomize) is needed to render " + dir + ": " + e.getMessage(), e);
    }
    byte[] out = p.getInputStream().readAllBytes();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("kubectl kustomize " + dir + " failed: " + err);
    }
    List<ObjectNode> objects = new ArrayList<>();
    try (YAMLParser parser = new YAMLFactory().createParser(out)) {
      for (JsonNode n : YAML.readValues(parser, JsonNode.class).readAll()) {
        if (n instanceof ObjectNode o) {
          objects.add(o);
        }
      }
    }
    return new RenderedManifests(overlay, List.copyOf(objects));
  }

  String overlay() {
    return overlay;
  }

  List<ObjectNode> all() {
    return objects;
  }

  List<ObjectNode> ofKind(String... kinds) {
    List<String> k = List.of(kinds);
    return objects.stream().filter(o -> k.contains(o.path("kind").asText())).toList();
  }

  Optional<ObjectNode> find(String kind, String name) {
    return objects.stream().filter(o -> o.path("kind").asText().equals(kind)
        && o.path("metadata").path("name").asText().equals(name)).findFirst();
  }

  ObjectNode get(String kind, String name) {
    return find(kind, name).orElseThrow(() -> new AssertionError(
        "overlay " + overlay + " renders no " + kind + " " + name));
  }

  /** Deployments and StatefulSets. */
  List<ObjectNode> workloads() {
    return ofKind("Deployment", "StatefulSet");
  }

  static String name(JsonNode o) {
    return o.path("metadata").path("name").asText();
  }

  static String id(JsonNode o) {
    return o.path("kind").asText() + " " + name(o);
  }
}

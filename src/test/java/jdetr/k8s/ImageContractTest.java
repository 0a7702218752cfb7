package jdetr.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdetr.cli.Main;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * What the manifests rely on is what the image definitions declare: the ENTRYPOINT runs the jdetr
 * jar with the JVM flags Hazelcast needs (the manifests give only arguments), the jar, conf/ and
 * verticles/ are at the paths used, the user is the pod's runAsUser, temporary files go to /tmp
 * (an emptyDir under a read-only root), and every container's arguments parse as a jdetr command
 * line (downward-API variables filled in).
 */
class ImageContractTest {
  /** The module flags of the cluster tests' child JVMs (TestCluster): what Hazelcast needs. */
  private static final List<String> HAZELCAST_FLAGS = List.of(
      "--add-modules", "java.se", "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");

  /** The instructions of a Dockerfile (continuation lines joined), keyed by order. */
  static List<String[]> instructions(Path dockerfile) throws Exception {
    List<String[]> out = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String l : Files.readAllLines(dockerfile)) {
      if (l.isBlank() || l.stripLeading().startsWith("#")) {
        continue;
      }
      if (l.endsWith("\\")) {
        line.append(l, 0, l.length() - 1).append(' ');
        continue;
      }
      line.append(l);
      String s = line.toString().strip();
      int space = s.indexOf(' ');
      out.add(new String[] {s.substring(0, space), s.substring(space + 1).strip()});
      line.setLength(0);
    }
    return out;
  }

  /** The image as the final stage of {@code dockerfile} declares it. */
  record Image(List<String> entrypoint, String user, String workdir, Map<String, String> copies, String env) {
    static Image of(Path dockerfile) throws Exception {
      List<String> entrypoint = null;
      String user = null;
      String workdir = null;
      Map<String, String> copies = new LinkedHashMap<>();
      StringBuilder env = new StringBuilder();
      for (String[] i : instructions(dockerfile)) {
        switch (i[0]) {
          case "FROM" -> copies.clear();
          case "ENTRYPOINT" -> entrypoint = List.of(new ObjectMapper().readValue(i[1], String[].class));
          case "USER" -> user = i[1];
          case "WORKDIR" -> workdir = i[1];
          case "ENV" -> env.append(i[1]).append(' ');
          case "COPY" -> {
            String[] parts = i[1].split("\\s+");
            if (!parts[0].startsWith("--from")) {
              copies.put(parts[1], parts[0]);
            }
          }
          default -> { }
        }
      }
      return new Image(entrypoint, user, workdir, copies, env.toString());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu", "serving", "cpu-api"})
  void manifestsUseTheImageAsDeclared(String overlay) throws Exception {
    RenderedManifests r = RenderedManifests.render(overlay);
    Image cpu = Image.of(Path.of("Dockerfile"));
    Image gpu = Image.of(Path.of("Dockerfile.gpu"));
    for (Image image : List.of(cpu, gpu)) {
      assertThat(image.entrypoint()).startsWith("java").endsWith("-jar", "/app/jdetr.jar");
      assertThat(String.join(" ", image.entrypoint())).contains(String.join(" ", HAZELCAST_FLAGS))
          .contains("-Djava.io.tmpdir=/tmp");
      assertThat(image.user()).isEqualTo("10001:10001");
      assertThat(image.workdir()).isEqualTo("/app");
      assertThat(image.copies()).containsEntry("/app/jdetr.jar", "target/jdetr.jar")
          .containsEntry("/app/conf/", "conf/").containsEntry("/app/verticles/", "verticles/");
      assertThat(image.env()).contains("DJL_CACHE_DIR=/app/cache/djl");
    }
    assertThat(gpu.entrypoint()).isEqualTo(cpu.entrypoint());
    assertThat(gpu.env()).contains("PYTORCH_FLAVOR=cu128", "PYTORCH_VERSION=2.7.1", "PYTORCH_LIBRARY_PATH=");

    for (JsonNode w : r.workloads()) {
      JsonNode pod = w.path("spec").path("template").path("spec");
      assertThat(pod.path("securityContext").path("runAsUser").asText() + ":"
          + pod.path("securityContext").path("runAsGroup").asText()).as(RenderedManifests.id(w)).isEqualTo(cpu.user());
      for (JsonNode c : pod.path("containers")) {
        assertThat(c.has("command")).as("%s: the image's ENTRYPOINT runs", RenderedManifests.id(w)).isFalse();
        assertThat(c.path("image").asText()).startsWith("ghcr.io/example/jdetr:");
        List<String> args = new ArrayList<>();
        for (JsonNode a : c.path("args")) {
          args.add(a.asText().replace("$(POD_IP)", "10.0.0.7"));
        }
        assertThat(String.join(" ", args)).doesNotContain("$(");
        CommandLine cli = new CommandLine(new Main());
        CommandLine.ParseResult parsed = cli.parseArgs(args.toArray(String[]::new));
        assertThat(parsed.hasSubcommand()).as("%s: %s is a jdetr command", RenderedManifests.id(w), args).isTrue();
        // relative defaults (verticles, conf/cluster.xml) resolve under WORKDIR /app, where the image copies them
        for (String a : args) {
          if (a.contains("/app/")) {
            assertThat(cpu.copies().keySet()).anyMatch(dest -> a.substring(a.indexOf("/app/")).startsWith(dest));
          }
        }
      }
    }
  }
}

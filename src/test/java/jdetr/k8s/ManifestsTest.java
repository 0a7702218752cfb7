package jdetr.k8s;

import static jdetr.k8s.RenderedManifests.id;
import static jdetr.k8s.RenderedManifests.name;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import jdetr.train.TrainConfig;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The overlays of k8s/ as {@code kubectl kustomize} renders them: every object parses strictly
 * against the Kubernetes schema, and the objects fit together — selectors select the pods they
 * are meant for, probes name declared ports, every mounted ConfigMap, Secret and claim is
 * rendered (a Secret by a cert-manager Certificate that writes it), every file the arguments name
 * is a key of a mounted ConfigMap or Secret, HPAs scale rendered workloads, the headless Service
 * is the one cluster.xml looks up, the NetworkPolicy opens exactly the cluster ports, and the
 * recipe is a valid recipe.
 */
class ManifestsTest {

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu", "serving", "cpu-api"})
  void renderedObjectsParseStrictlyAndFitTogether(String overlay, @TempDir Path tmp) throws Exception {
    RenderedManifests r = RenderedManifests.render(overlay);
    List<String> problems = new ArrayList<>();
    for (ObjectNode o : r.all()) {
      problems.addAll(StrictModel.problems(o));
    }
    assertThat(problems).as("strict parse of overlay %s", overlay).isEmpty();
    assertThat(r.workloads()).isNotEmpty();

    for (ObjectNode w : r.workloads()) {
      JsonNode pod = w.path("spec").path("template");
      Map<String, String> podLabels = labels(pod.path("metadata").path("labels"));
      assertThat(podLabels).as("%s selects its pods", id(w))
          .containsAllEntriesOf(labels(w.path("spec").path("selector").path("matchLabels")));
      assertThat(pod.path("spec").path("securityContext").path("runAsNonRoot").asBoolean())
          .as("%s runAsNonRoot", id(w)).isTrue();
      assertThat(pod.path("spec").path("terminationGracePeriodSeconds").asInt()).as("%s grace", id(w))
          .isGreaterThanOrEqualTo(60);
      for (JsonNode c : pod.path("spec").path("containers")) {
        checkContainer(r, w, pod, c);
      }
    }
    for (ObjectNode s : r.ofKind("Service", "PodDisruptionBudget", "NetworkPolicy")) {
      JsonNode selector = s.path("kind").asText().equals("Service") ? s.path("spec").path("selector")
          : s.path("spec").path(s.path("kind").asText().equals("NetworkPolicy") ? "podSelector" : "selector")
              .path("matchLabels");
      assertThat(selected(r, labels(selector))).as("pods selected by %s", id(s)).isNotEmpty();
    }
    for (ObjectNode h : r.ofKind("HorizontalPodAutoscaler")) {
      JsonNode target = h.path("spec").path("scaleTargetRef");
      assertThat(r.find(target.path("kind").asText(), target.path("name").asText()))
          .as("target of %s", id(h)).isPresent();
    }
    if (!overlay.equals("serving")) {
      checkCluster(r, tmp);
    }
  }

  private static void checkContainer(RenderedManifests r, ObjectNode w, JsonNode pod, JsonNode c) throws Exception {
    String where = id(w) + " container " + c.path("name").asText();
    assertThat(c.has("command")).as("%s uses the image's ENTRYPOINT", where).isFalse();
    for (String kind : List.of("requests", "limits")) {
      assertThat(c.path("resources").path(kind).has("cpu") && c.path("resources").path(kind).has("memory"))
          .as("%s resources.%s", where, kind).isTrue();
    }
    assertThat(c.path("securityContext").path("readOnlyRootFilesystem").asBoolean()).as(where).isTrue();
    assertThat(c.path("securityContext").path("allowPrivilegeEscalation").asBoolean(true)).as(where).isFalse();
    Set<String> names = new HashSet<>();
    Set<Integer> numbers = new HashSet<>();
    for (JsonNode p : c.path("ports")) {
      names.add(p.path("name").asText());
      numbers.add(p.path("containerPort").asInt());
    }
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      JsonNode get = c.path(probe).path("httpGet");
      assertThat(get.isMissingNode()).as("%s %s", where, probe).isFalse();
      JsonNode port = get.path("port");
      assertThat(port.isInt() ? numbers.contains(port.asInt()) : names.contains(port.asText()))
          .as("%s %s port %s is a declared container port", where, probe, port).isTrue();
      assertThat(get.path("path").asText()).startsWith("/health/");
    }
    // volumes: rendered, and every absolute path of the arguments is a mounted file
    Map<String, JsonNode> volumes = new TreeMap<>();
    for (JsonNode v : pod.path("spec").path("volumes")) {
      volumes.put(v.path("name").asText(), v);
      if (v.has("configMap")) {
        r.get("ConfigMap", v.path("configMap").path("name").asText());
      } else if (v.has("secret")) {
        String secret = v.path("secret").path("secretName").asText();
        assertThat(r.find("Secret", secret).isPresent() || r.ofKind("Certificate").stream()
            .anyMatch(cert -> cert.path("spec").path("secretName").asText().equals(secret)))
            .as("%s: Secret %s is rendered or issued by a rendered Certificate", where, secret).isTrue();
      } else if (v.has("persistentVolumeClaim")) {
        r.get("PersistentVolumeClaim", v.path("persistentVolumeClaim").path("claimName").asText());
      } else {
        assertThat(v.has("emptyDir")).as("%s volume %s", where, v).isTrue();
      }
    }
    Map<String, JsonNode> mounts = new TreeMap<>();
    for (JsonNode m : c.path("volumeMounts")) {
      assertThat(volumes).as("%s mounts a declared volume", where).containsKey(m.path("name").asText());
      mounts.put(m.path("mountPath").asText(), volumes.get(m.path("name").asText()));
    }
    assertThat(mounts).as("%s: a writable /tmp under a read-only root", where).containsKey("/tmp");
    for (JsonNode a : c.path("args")) {
      String arg = a.asText();
      String path = arg.startsWith("/") ? arg : arg.contains("=/") ? arg.substring(arg.indexOf("=/") + 1) : null;
      if (path != null) {
        assertThat(mountedFile(r, mounts, path)).as("%s: %s is a file of a mounted volume", where, path).isTrue();
      }
    }
  }

  /** A path under a mount: a key of its ConfigMap, one of the TLS keys of a Secret, or anything on a claim. */
  private static boolean mountedFile(RenderedManifests r, Map<String, JsonNode> mounts, String path) {
    for (Map.Entry<String, JsonNode> m : mounts.entrySet()) {
      if (!path.equals(m.getKey()) && !path.startsWith(m.getKey() + "/")) {
        continue;
      }
      String rest = path.equals(m.getKey()) ? "" : path.substring(m.getKey().length() + 1);
      JsonNode v = m.getValue();
      if (v.has("configMap")) {
        JsonNode data = r.get("ConfigMap", v.path("configMap").path("name").asText()).path("data");
        return rest.isEmpty() ? data.size() > 0 : data.has(rest);
      }
      if (v.has("secret")) {
        return rest.isEmpty() || List.of("tls.crt", "tls.key", "ca.crt").contains(rest);
      }
      return true;
    }
    return false;
  }

  private static void checkCluster(RenderedManifests r, Path tmp) throws Exception {
    ObjectNode headless = r.get("Service", "jdetr-hazelcast");
    assertThat(headless.path("spec").path("clusterIP").asText()).isEqualTo("None");
    assertThat(headless.path("spec").path("publishNotReadyAddresses").asBoolean()).isTrue();
    Map<String, String> members = labels(headless.path("spec").path("selector"));
    List<String> nodePods = new ArrayList<>();
    for (ObjectNode w : r.workloads()) {
      JsonNode c = w.path("spec").path("template").path("spec").path("containers").get(0);
      if (c.path("args").get(0).asText().equals("node")) {
        nodePods.add(name(w));
        assertThat(labels(w.path("spec").path("template").path("metadata").path("labels")))
            .as("%s is found through the headless Service", id(w)).containsAllEntriesOf(members);
        assertThat(args(c)).as(id(w)).contains("--host=$(POD_IP)", "--bus-port=5801", "--bus-tls=/etc/jdetr/tls");
        JsonNode env = c.path("env");
        assertThat(env.toString()).as("%s POD_IP from the downward API", id(w)).contains("status.podIP");
      }
    }
    assertThat(nodePods).containsExactlyInAnyOrder("jdetr-trainer", "jdetr-data", "jdetr-matcher", "jdetr-eval");
    String clusterXml = r.ofKind("ConfigMap").stream().filter(c -> name(c).startsWith("jdetr-cluster"))
        .findFirst().orElseThrow().path("data").path("cluster.xml").asText();
    assertThat(clusterXml).contains("<kubernetes enabled=\"true\">").contains("<tcp-ip enabled=\"false\"/>");
    if (r.overlay().endsWith("-api")) {
      checkApiDiscovery(r, clusterXml, name(headless));
    } else {
      assertThat(clusterXml).contains("<service-dns>" + name(headless) + "</service-dns>");
      assertThat(r.ofKind("Role", "RoleBinding", "ServiceAccount")).as("DNS lookup needs no API permissions").isEmpty();
    }

    ObjectNode policy = r.get("NetworkPolicy", "jdetr-cluster-members");
    JsonNode peers = policy.path("spec").path("ingress").get(0);
    assertThat(labels(peers.path("from").get(0).path("podSelector").path("matchLabels"))).isEqualTo(members);
    List<Integer> ports = new ArrayList<>();
    peers.path("ports").forEach(p -> ports.add(p.path("port").asInt()));
    assertThat(ports).containsExactlyInAnyOrder(5701, 5801);

    ObjectNode trainer = r.get("StatefulSet", "jdetr-trainer");
    assertThat(args(trainer.path("spec").path("template").path("spec").path("containers").get(0)))
        .contains("--resume");
    String recipe = r.ofKind("ConfigMap").stream().filter(c -> name(c).startsWith("jdetr-recipe"))
        .findFirst().orElseThrow().path("data").path("recipe.json").asText();
    Path file = tmp.resolve("recipe.json");
    Files.writeString(file, recipe);
    TrainConfig config = TrainConfig.load(file, List.of());
    assertThat(config.outputDir().toString()).isEqualTo("/var/lib/jdetr/run");
    for (String f : List.of("20-data.json", "30-matcher.json", "40-trainer.json", "50-checkpoint.json",
        "55-eval.json", "60-detector.json", "70-server.json")) {
      assertThat(Files.readString(Path.of("k8s", "base", "verticles", f)))
          .as("k8s/base/verticles/%s is verticles/%s", f, f).isEqualTo(Files.readString(Path.of("verticles", f)));
    }
  }

  /** The strict parse finds a misspelt field deep in a pod template, and a value of the wrong type. */
  @org.junit.jupiter.api.Test
  void strictParseNamesUnknownFieldsAndWrongTypes() throws Exception {
    ObjectNode deployment = (ObjectNode) RenderedManifests.YAML.readTree("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: d}
        spec:
          selector: {matchLabels: {a: b}}
          template:
            metadata: {labels: {a: b}}
            spec:
              containers:
                - name: c
                  image: i
                  readinessProbe: {httpGet: {path: /health/ready, port: 8081}, periodSecond: 5}
        """);
    assertThat(StrictModel.problems(deployment)).singleElement().asString()
        .contains("readinessProbe", "periodSecond");
    ((ObjectNode) deployment.path("spec")).put("replicas", "two");
    assertThat(StrictModel.problems(deployment)).singleElement().asString().contains("replicas");
    assertThat(StrictModel.problems(RenderedManifests.YAML.readTree("{apiVersion: v1, kind: Pdo}")))
        .containsExactly("Pdo : no schema for v1/Pdo");
  }

  /** API mode: cluster.xml names the Service; every member pod runs as a ServiceAccount bound to a Role that may read endpoints. */
  private static void checkApiDiscovery(RenderedManifests r, String clusterXml, String service) {
    assertThat(clusterXml).contains("<service-name>" + service + "</service-name>").doesNotContain("<service-dns>");
    ObjectNode binding = r.ofKind("RoleBinding").get(0);
    ObjectNode role = r.get("Role", binding.path("roleRef").path("name").asText());
    assertThat(role.path("rules").toString()).contains("\"endpoints\"", "\"list\"", "\"get\"");
    String account = binding.path("subjects").get(0).path("name").asText();
    r.get("ServiceAccount", account);
    for (ObjectNode w : r.workloads()) {
      JsonNode pod = w.path("spec").path("template");
      if (pod.path("metadata").path("labels").has("jdetr.io/cluster-member")) {
        assertThat(pod.path("spec").path("serviceAccountName").asText()).as(id(w)).isEqualTo(account);
      }
    }
  }

  static List<String> args(JsonNode container) {
    List<String> out = new ArrayList<>();
    container.path("args").forEach(a -> out.add(a.asText()));
    return out;
  }

  static Map<String, String> labels(JsonNode node) {
    Map<String, String> m = new TreeMap<>();
    node.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
    return m;
  }

  /** The workloads whose pods carry every label of {@code selector}. */
  private static List<String> selected(RenderedManifests r, Map<String, String> selector) {
    return r.workloads().stream()
        .filter(w -> labels(w.path("spec").path("template").path("metadata").path("labels"))
            .entrySet().containsAll(selector.entrySet()))
        .map(RenderedManifests::name).toList();
  }
}

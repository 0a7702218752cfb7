package jdetr.k8s;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strict parse of a rendered object into fabric8's Kubernetes model: the apiVersion/kind must be
 * one the model knows, every field must be a field of the schema (fabric8 keeps unknown fields in
 * {@code additionalProperties}; any found there is reported with its path), and values must have
 * the schema's types. cert-manager objects are checked against the fields of their v1 schema used
 * here.
 */
final class StrictModel {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
  private static final Map<String, Class<?>> TYPES = Map.ofEntries(
      Map.entry("v1/ServiceAccount", ServiceAccount.class),
      Map.entry("rbac.authorization.k8s.io/v1/Role", Role.class),
      Map.entry("rbac.authorization.k8s.io/v1/RoleBinding", RoleBinding.class),
      Map.entry("v1/ConfigMap", ConfigMap.class),
      Map.entry("v1/Secret", Secret.class),
      Map.entry("v1/Service", Service.class),
      Map.entry("v1/PersistentVolumeClaim", PersistentVolumeClaim.class),
      Map.entry("apps/v1/Deployment", Deployment.class),
      Map.entry("apps/v1/StatefulSet", StatefulSet.class),
      Map.entry("autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
      Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
      Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class));
  private static final Map<String, Set<String>> CERT_MANAGER_SPEC = Map.of(
      "cert-manager.io/v1/Issuer", Set.of("ca", "selfSigned", "acme", "vault", "venafi"),
      "cert-manager.io/v1/Certificate", Set.of("secretName", "commonName", "dnsNames", "ipAddresses",
          "duration", "renewBefore", "privateKey", "usages", "issuerRef", "isCA", "subject"));

  private StrictModel() {}

  /** The problems of {@code object}: empty when it parses strictly. */
  static List<String> problems(JsonNode object) {
    String type = object.path("apiVersion").asText() + "/" + object.path("kind").asText();
    String id = RenderedManifests.id(object);
    List<String> problems = new ArrayList<>();
    if (CERT_MANAGER_SPEC.containsKey(type)) {
      object.path("spec").fieldNames().forEachRemaining(f -> {
        if (!CERT_MANAGER_SPEC.get(type).contains(f)) {
          problems.add(id + ": unknown field spec." + f);
        }
      });
      return problems;
    }
    Class<?> cls = TYPES.get(type);
    if (cls == null) {
      return List.of(id + ": no schema for " + type);
    }
    Object parsed;
    try {
      parsed = MAPPER.treeToValue(object, cls);
    } catch (Exception e) {
      return List.of(id + ": " + e.getMessage());
    }
    unknownFields(parsed, id, problems, new IdentityHashMap<>());
    return problems;
  }

  /** Walks the fabric8 object graph; any non-empty additionalProperties is a field the schema lacks. */
  private static void unknownFields(Object o, String path, List<String> problems, Map<Object, Object> seen) {
    if (o == null || seen.put(o, o) != null) {
      return;
    }
    if (o instanceof Collection<?> c) {
      int i = 0;
      for (Object e : c) {
        unknownFields(e, path + "[" + i++ + "]", problems, seen);
      }
      return;
    }
    if (o instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        unknownFields(e.getValue(), path + "." + e.getKey(), problems, seen);
      }
      return;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    for (Method m : o.getClass().getMethods()) {
      if (m.getParameterCount() != 0 || !m.getName().startsWith("get") || m.getDeclaringClass() == Object.class) {
        continue;
      }
      Object value;
      try {
        value = m.invoke(o);
      } catch (ReflectiveOperationException e) {
        continue;
      }
      String field = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
      if (field.equals("additionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          problems.add(path + ": unknown field(s) " + extra.keySet());
        }
      } else {
        unknownFields(value, path + "." + field, problems, seen);
      }
    }
  }
}

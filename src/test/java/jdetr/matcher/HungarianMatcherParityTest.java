package jdetr.matcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import jdetr.loss.ClassLoss;
import jdetr.loss.Matching;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The reference matchers (DETR softmax, Deformable DETR focal) recorded on random outputs with aux
 * layers and 0..Q targets per image (matcher_cases.json): same index pairs for every (layer, image),
 * cost matrices within float rounding.
 */
class HungarianMatcherParityTest {

  static Stream<Arguments> cases() throws IOException {
    try (InputStream in = HungarianMatcherParityTest.class.getResourceAsStream(
        "/parity/matcher/matcher_cases.json")) {
      JsonNode root = new ObjectMapper().readTree(in);
      List<Arguments> out = new ArrayList<>();
      for (JsonNode c : root.get("cases")) {
        out.add(Arguments.of(c.get("name").asText(), c));
      }
      return out.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void samePairsAndCostsAsTheReference(String name, JsonNode c) {
    MatcherConfig config = new MatcherConfig(c.get("costClass").asDouble(),
        c.get("costBbox").asDouble(), c.get("costGiou").asDouble(),
        ClassLoss.valueOf(c.get("classLoss").asText()));
    HungarianMatcher matcher = new HungarianMatcher(config);
    int layers = c.get("layers").asInt();
    int batch = c.get("batch").asInt();
    int queries = c.get("queries").asInt();
    int classes = c.get("classes").asInt();
    float[] logits = floats(c.get("logits")); // [L, B, Q, K]
    float[] boxes = floats(c.get("boxes")); // [L, B, Q, 4]
    List<MatchInput> units = new ArrayList<>();
    for (int layer = 0; layer < layers; layer++) {
      for (int b = 0; b < batch; b++) {
        JsonNode target = c.get("targets").get(b);
        units.add(MatchInput.slice(logits, boxes, layer * batch + b, queries, classes,
            ints(target.get("labels")), floats(target.get("boxes"))));
      }
    }

    List<Matching> sequential = matcher.matchAll(units);
    List<Matching> parallel;
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      parallel = matcher.matchAll(units, pool);
    } finally {
      pool.shutdownNow();
    }

    double maxCostDiff = 0;
    int pairs = 0;
    for (int layer = 0; layer < layers; layer++) {
      for (int b = 0; b < batch; b++) {
        int k = layer * batch + b;
        JsonNode expected = c.get("matchings").get(layer).get(b);
        String where = name + " layer " + layer + " image " + b;
        assertThat(sequential.get(k).queryIdx()).as(where)
            .containsExactly(ints(expected.get("queries")));
        assertThat(sequential.get(k).targetIdx()).as(where)
            .containsExactly(ints(expected.get("targets")));
        assertThat(parallel.get(k).queryIdx()).as(where).containsExactly(sequential.get(k).queryIdx());
        assertThat(parallel.get(k).targetIdx()).as(where).containsExactly(sequential.get(k).targetIdx());
        pairs += sequential.get(k).size();

        float[] ours = matcher.cost(units.get(k));
        float[] ref = floats(expected.get("cost"));
        assertThat(ours).as(where).hasSameSizeAs(ref);
        for (int e = 0; e < ref.length; e++) {
          maxCostDiff = Math.max(maxCostDiff, Math.abs(ours[e] - ref[e]));
        }
      }
    }
    System.out.printf("%s: %d units, %d pairs identical, max |cost - reference| = %.3g%n", name,
        units.size(), pairs, maxCostDiff);
    // Softmax cost: float rounding only. Focal cost: p = sigmoid(x) agrees with libtorch's to 1 ulp,
    // and the term p^2 (-log(1 - p + 1e-8)) amplifies that ulp by about 1 / (1 - p) as p -> 1.
    double tolerance = config.classLoss() == ClassLoss.SOFTMAX_CE ? 1e-5 : 5e-5;
    assertThat(maxCostDiff).as(name + " cost matrix").isLessThan(tolerance);
  }

  static float[] floats(JsonNode base64) {
    ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(base64.asText()))
        .order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[bytes.remaining() / 4];
    bytes.asFloatBuffer().get(out);
    return out;
  }

  static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int k = 0; k < out.length; k++) {
      out[k] = array.get(k).asInt();
    }
    return out;
  }
}

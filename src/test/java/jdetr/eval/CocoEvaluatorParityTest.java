package jdetr.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * jdetr's evaluation against pycocotools on the committed cases of
 * src/test/resources/parity/eval (see the README there).
 */
class CocoEvaluatorParityTest {
  private static final double TOLERANCE = 1e-9;
  private static Path dir;
  private static JsonNode expected;
  private static double maxStatDiff;
  private static double maxArrayDiff;

  @BeforeAll
  static void load() throws IOException, URISyntaxException {
    dir = Path.of(CocoEvaluatorParityTest.class.getResource("/parity/eval/expected.json").toURI())
        .getParent();
    expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
  }

  @AfterAll
  static void report() {
    System.out.printf("parity max |diff|: stats %.3g, recall/precision arrays %.3g%n",
        maxStatDiff, maxArrayDiff);
  }

  static Stream<String> cases() throws IOException, URISyntaxException {
    load();
    List<String> names = new ArrayList<>();
    expected.fieldNames().forEachRemaining(names::add);
    assertThat(names).hasSizeGreaterThanOrEqualTo(12);
    return names.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void agreesWithPycocotools(String name) throws IOException {
    JsonNode want = expected.get(name);
    GroundTruthSet gt = GroundTruthSet.read(dir.resolve("cases/" + name + ".gt.json"));
    List<CocoResult> dt = CocoResultsReader.read(dir.resolve("cases/" + name + ".dt.json"));
    CocoEvaluation one = new CocoEvaluator(gt, CocoParams.bbox(), 1).evaluate(dt);
    CocoEvaluation two = new CocoEvaluator(gt, CocoParams.bbox(), 2).evaluate(dt);

    double[] stats = one.stats();
    assertThat(two.stats()).containsExactly(stats);
    for (int i = 0; i < 12; i++) {
      double w = want.get("stats").get(i).asDouble();
      maxStatDiff = Math.max(maxStatDiff, Math.abs(stats[i] - w));
      assertThat(stats[i]).as("%s stat %d (%s)", name, i, CocoSummary.NAMES.get(i))
          .isCloseTo(w, within(TOLERANCE));
    }
    List<String> lines = new ArrayList<>();
    want.get("lines").forEach(l -> lines.add(l.asText()));
    assertThat(one.summaryLines()).containsExactlyElementsOf(lines);

    CocoParams p = one.params();
    int numK = one.numCategories();
    assertThat(numK).isEqualTo(want.get("per_class").size());
    JsonNode recall = want.get("recall");
    JsonNode precisionSums = want.get("precision_sum_over_recall");
    int idx = 0;
    for (int t = 0; t < p.numIou(); t++) {
      for (int k = 0; k < numK; k++) {
        for (int a = 0; a < p.numAreas(); a++) {
          for (int m = 0; m < p.numMaxDets(); m++, idx++) {
            double r = one.recall(t, k, a, m);
            double s = 0;
            for (int q = 0; q < p.numRecall(); q++) {
              s += one.precision(t, q, k, a, m);
            }
            String at = String.format("%s t=%d k=%d a=%d m=%d", name, t, k, a, m);
            maxArrayDiff = Math.max(maxArrayDiff, Math.abs(r - recall.get(idx).asDouble()));
            maxArrayDiff = Math.max(maxArrayDiff, Math.abs(s - precisionSums.get(idx).asDouble()));
            assertThat(r).as("recall " + at).isCloseTo(recall.get(idx).asDouble(), within(TOLERANCE));
            assertThat(s).as("precision sum " + at)
                .isCloseTo(precisionSums.get(idx).asDouble(), within(TOLERANCE));
          }
        }
      }
    }
    List<ClassAp> perClass = one.perClass();
    for (int k = 0; k < numK; k++) {
      JsonNode c = want.get("per_class").get(k);
      ClassAp got = perClass.get(k);
      assertThat(got.categoryId()).isEqualTo(c.get("id").asLong());
      assertThat(got.ap()).as(name + " AP of " + got.name()).isCloseTo(c.get("AP").asDouble(), within(TOLERANCE));
      assertThat(got.ap50()).isCloseTo(c.get("AP50").asDouble(), within(TOLERANCE));
      assertThat(got.ap75()).isCloseTo(c.get("AP75").asDouble(), within(TOLERANCE));
      assertThat(got.ar()).isCloseTo(c.get("AR100").asDouble(), within(TOLERANCE));
    }
  }
}

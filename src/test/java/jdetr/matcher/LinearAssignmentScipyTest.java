package jdetr.matcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Our solver against scipy 1.10's linear_sum_assignment on recorded matrices (lsap_cases.json). */
class LinearAssignmentScipyTest {

  record Case(String name, int rows, int cols, double[] cost, int[] rowInd, int[] colInd,
      double total, boolean unique) {}

  static List<Case> cases() throws IOException {
    try (InputStream in = LinearAssignmentScipyTest.class.getResourceAsStream(
        "/parity/matcher/lsap_cases.json")) {
      JsonNode root = new ObjectMapper().readTree(in);
      List<Case> out = new ArrayList<>();
      for (JsonNode c : root.get("cases")) {
        out.add(new Case(c.get("name").asText(), c.get("rows").asInt(), c.get("cols").asInt(),
            doubles(c.get("cost")), ints(c.get("rowInd")), ints(c.get("colInd")),
            c.get("total").asDouble(), c.get("unique").asBoolean()));
      }
      return out;
    }
  }

  static Stream<Arguments> named() throws IOException {
    return cases().stream().map(c -> Arguments.of(c.name(), c));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("named")
  void sameOptimumAsScipy(String name, Case c) {
    Assignment a = new LinearAssignment().solve(c.cost(), c.rows(), c.cols());

    assertThat(a.size()).isEqualTo(Math.min(c.rows(), c.cols()));
    assertThat(a.rows()).isSorted().doesNotHaveDuplicates();
    assertThat(a.cols()).doesNotHaveDuplicates();
    double scale = Math.max(Math.abs(c.total()), Double.MIN_NORMAL);
    assertThat(a.totalCost(c.cost(), c.cols())).isCloseTo(c.total(), within(1e-12 * scale));
    if (c.unique()) {
      assertThat(a.rows()).containsExactly(c.rowInd());
      assertThat(a.cols()).containsExactly(c.colInd());
    }
  }

  /**
   * Where the optimum is not unique, scipy's choice among the tied optima is a consequence of its
   * scan order. Ours scans in the same order, so it picks the same pairs on every recorded case.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("named")
  void samePairsAsScipyEvenOnTies(String name, Case c) {
    Assignment a = new LinearAssignment().solve(c.cost(), c.rows(), c.cols());
    assertThat(a.rows()).containsExactly(c.rowInd());
    assertThat(a.cols()).containsExactly(c.colInd());
  }

  @Test
  void fixturesCoverTiesAndUniqueOptima() throws IOException {
    List<Case> all = cases();
    assertThat(all).anyMatch(Case::unique).anyMatch(c -> !c.unique());
    assertThat(all).anyMatch(c -> c.rows() == 0 || c.cols() == 0);
  }

  @Test
  void floatInputWidensExactly() throws IOException {
    LinearAssignment solver = new LinearAssignment();
    for (Case c : cases()) {
      if (!c.name().startsWith("detr_float32")) {
        continue;
      }
      float[] f = new float[c.cost().length];
      for (int k = 0; k < f.length; k++) {
        f[k] = (float) c.cost()[k];
      }
      Assignment a = solver.solve(f, c.rows(), c.cols());
      assertThat(a.rows()).containsExactly(c.rowInd());
      assertThat(a.cols()).containsExactly(c.colInd());
    }
  }

  private static double[] doubles(JsonNode array) {
    double[] out = new double[array.size()];
    for (int k = 0; k < out.length; k++) {
      out[k] = array.get(k).asDouble();
    }
    return out;
  }

  private static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int k = 0; k < out.length; k++) {
      out[k] = array.get(k).asInt();
    }
    return out;
  }
}

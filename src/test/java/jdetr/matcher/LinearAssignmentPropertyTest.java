package jdetr.matcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashSet;
import java.util.Random;
import java.util.Set;
import org.jgrapht.Graph;
import org.jgrapht.alg.matching.KuhnMunkresMinimalWeightBipartitePerfectMatching;
import org.jgrapht.graph.DefaultWeightedEdge;
import org.jgrapht.graph.SimpleWeightedGraph;
import org.junit.jupiter.api.Test;

/**
 * Optimality against independent oracles on thousands of random matrices: JGraphT's Kuhn-Munkres
 * on the square matrix padded with zeros (costs shifted to be non-negative) and brute force over
 * every injective assignment for tiny sizes.
 */
class LinearAssignmentPropertyTest {

  @Test
  void equalsKuhnMunkresOnPaddedSquare() {
    Random rnd = new Random(7);
    LinearAssignment solver = new LinearAssignment();
    for (int trial = 0; trial < 2000; trial++) {
      int rows = 1 + rnd.nextInt(trial < 1900 ? 10 : 40);
      int cols = 1 + rnd.nextInt(trial < 1900 ? 10 : 40);
      double[] c = randomCost(rnd, rows, cols, trial % 4);
      Assignment a = solver.solve(c, rows, cols);
      assertValid(a, rows, cols);
      double oracle = kuhnMunkres(c, rows, cols);
      assertThat(a.totalCost(c, cols))
          .as("trial %d [%d,%d]", trial, rows, cols)
          .isCloseTo(oracle, within(1e-9 * (1 + Math.abs(oracle))));
    }
  }

  @Test
  void equalsBruteForceOnTinyMatrices() {
    Random rnd = new Random(11);
    LinearAssignment solver = new LinearAssignment();
    for (int trial = 0; trial < 5000; trial++) {
      int rows = rnd.nextInt(6);
      int cols = rnd.nextInt(6);
      double[] c = randomCost(rnd, rows, cols, trial % 4);
      Assignment a = solver.solve(c, rows, cols);
      assertValid(a, rows, cols);
      double best = bruteForce(c, rows, cols);
      assertThat(a.totalCost(c, cols))
          .as("trial %d [%d,%d]", trial, rows, cols)
          .isCloseTo(best, within(1e-12 * (1 + Math.abs(best))));
    }
  }

  @Test
  void sameInputSameOutputAcrossReusedAndFreshWorkspaces() {
    Random rnd = new Random(3);
    LinearAssignment reused = new LinearAssignment();
    for (int trial = 0; trial < 200; trial++) {
      int rows = 1 + rnd.nextInt(30);
      int cols = 1 + rnd.nextInt(30);
      double[] c = randomCost(rnd, rows, cols, 1); // integer costs: many ties
      Assignment first = new LinearAssignment().solve(c, rows, cols);
      for (int rerun = 0; rerun < (trial < 5 ? 100 : 3); rerun++) {
        Assignment again = reused.solve(c, rows, cols);
        assertThat(again.rows()).containsExactly(first.rows());
        assertThat(again.cols()).containsExactly(first.cols());
      }
    }
  }

  @Test
  void transposedProblemHasTheSameOptimum() {
    Random rnd = new Random(5);
    LinearAssignment solver = new LinearAssignment();
    for (int trial = 0; trial < 300; trial++) {
      int rows = 1 + rnd.nextInt(25);
      int cols = 1 + rnd.nextInt(25);
      double[] c = randomCost(rnd, rows, cols, 0);
      double[] t = new double[c.length];
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
          t[j * rows + i] = c[i * cols + j];
        }
      }
      double direct = solver.solve(c, rows, cols).totalCost(c, cols);
      double viaTranspose = solver.solve(t, cols, rows).totalCost(t, rows);
      assertThat(direct).isCloseTo(viaTranspose, within(1e-9));
    }
  }

  /** kind 0: uniform doubles with negatives; 1: small integers (ties); 2: wide magnitudes; 3: 0/1. */
  static double[] randomCost(Random rnd, int rows, int cols, int kind) {
    double[] c = new double[rows * cols];
    for (int k = 0; k < c.length; k++) {
      c[k] = switch (kind) {
        case 0 -> rnd.nextDouble() * 2 - 1;
        case 1 -> rnd.nextInt(5) - 2;
        case 2 -> (rnd.nextDouble() - 0.5) * Math.pow(10, rnd.nextInt(9) - 4);
        default -> rnd.nextInt(2);
      };
    }
    return c;
  }

  static void assertValid(Assignment a, int rows, int cols) {
    assertThat(a.size()).isEqualTo(Math.min(rows, cols));
    assertThat(a.rows()).isSorted().doesNotHaveDuplicates();
    assertThat(a.cols()).doesNotHaveDuplicates();
    for (int k = 0; k < a.size(); k++) {
      assertThat(a.rows()[k]).isBetween(0, rows - 1);
      assertThat(a.cols()[k]).isBetween(0, cols - 1);
    }
  }

  /** Minimal perfect matching on the square padded with zero costs, real costs shifted to >= 0. */
  static double kuhnMunkres(double[] c, int rows, int cols) {
    int n = Math.max(rows, cols);
    double min = 0;
    for (double x : c) {
      min = Math.min(min, x);
    }
    double shift = -min;
    Graph<Integer, DefaultWeightedEdge> g = new SimpleWeightedGraph<>(DefaultWeightedEdge.class);
    Set<Integer> left = new LinkedHashSet<>();
    Set<Integer> right = new LinkedHashSet<>();
    for (int k = 0; k < n; k++) {
      g.addVertex(k);
      left.add(k);
      g.addVertex(n + k);
      right.add(n + k);
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        double w = i < rows && j < cols ? c[i * cols + j] + shift : 0.0;
        g.setEdgeWeight(g.addEdge(i, n + j), w);
      }
    }
    double weight =
        new KuhnMunkresMinimalWeightBipartitePerfectMatching<>(g, left, right).getMatching()
            .getWeight();
    return weight - Math.min(rows, cols) * shift;
  }

  /** Minimum over every injective map from the shorter side into the longer one. */
  static double bruteForce(double[] c, int rows, int cols) {
    if (rows == 0 || cols == 0) {
      return 0;
    }
    boolean transpose = rows > cols;
    int n = transpose ? cols : rows;
    int m = transpose ? rows : cols;
    return search(c, cols, transpose, n, m, 0, new boolean[m]);
  }

  private static double search(double[] c, int cols, boolean transpose, int n, int m, int line,
      boolean[] used) {
    if (line == n) {
      return 0;
    }
    double best = Double.POSITIVE_INFINITY;
    for (int k = 0; k < m; k++) {
      if (!used[k]) {
        used[k] = true;
        double cell = transpose ? c[k * cols + line] : c[line * cols + k];
        best = Math.min(best, cell + search(c, cols, transpose, n, m, line + 1, used));
        used[k] = false;
      }
    }
    return best;
  }
}

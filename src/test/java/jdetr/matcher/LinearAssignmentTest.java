package jdetr.matcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LinearAssignmentTest {

  private final LinearAssignment solver = new LinearAssignment();

  @Test
  void solvesAWideMatrix() {
    // [2, 3]: row 0 -> col 1 (1), row 1 -> col 0 (2): total 3.
    Assignment a = solver.solve(new double[] {4, 1, 3, 2, 0, 5}, 2, 3);
    assertThat(a.rows()).containsExactly(0, 1);
    assertThat(a.cols()).containsExactly(1, 0);
  }

  @Test
  void solvesATallMatrixWithoutPadding() {
    // [4, 2] (queries x targets): the two cheapest distinct-row cells 1 and 0.5, rows ascending.
    double[] c = {9, 9, 9, 1, 0.5, 9, 9, 9};
    Assignment a = solver.solve(c, 4, 2);
    assertThat(a.rows()).containsExactly(1, 2);
    assertThat(a.cols()).containsExactly(1, 0);
    assertThat(a.totalCost(c, 2)).isEqualTo(1.5);
  }

  @Test
  void handlesNegativeCosts() {
    Assignment a = solver.solve(new double[] {-1, -10, -10, -1}, 2, 2);
    assertThat(a.cols()).containsExactly(1, 0);
  }

  @Test
  void emptyMatricesGiveEmptyAssignments() {
    assertThat(solver.solve(new double[0], 0, 0).size()).isZero();
    assertThat(solver.solve(new double[0], 0, 5).size()).isZero();
    assertThat(solver.solve(new double[0], 5, 0).size()).isZero();
    assertThat(solver.solve(new float[0], 3, 0).size()).isZero();
  }

  @Test
  void nonFiniteCostNamesTheCell() {
    double[] c = {0, 1, 2, 3, 4, 5};
    c[4] = Double.NaN; // [1,1] of a [2,3] matrix
    assertThatThrownBy(() -> solver.solve(c, 2, 3))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("non-finite cost at [1,1]");
    c[4] = 0;
    c[5] = Double.NEGATIVE_INFINITY; // [1,2]
    assertThatThrownBy(() -> solver.solve(c, 2, 3)).hasMessageContaining("[1,2]");
    // Tall matrix (solved transposed): still named in the caller's orientation.
    assertThatThrownBy(() -> solver.solve(c, 3, 2)).hasMessageContaining("[2,1]");
    float[] f = {0, 1, Float.POSITIVE_INFINITY, 3};
    assertThatThrownBy(() -> solver.solve(f, 2, 2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[1,0]");
  }

  @Test
  void rejectsAWrongShape() {
    assertThatThrownBy(() -> solver.solve(new double[5], 2, 3))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected 6");
    assertThatThrownBy(() -> solver.solve(new double[0], -1, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void workspaceIsReusedAcrossShapes() {
    double[] big = new double[50 * 40];
    for (int k = 0; k < big.length; k++) {
      big[k] = (k * 7919) % 101;
    }
    Assignment first = solver.solve(big, 50, 40);
    solver.solve(new double[] {1, 2, 3}, 1, 3);
    Assignment second = solver.solve(big, 50, 40);
    assertThat(second.rows()).containsExactly(first.rows());
    assertThat(second.cols()).containsExactly(first.cols());
  }
}

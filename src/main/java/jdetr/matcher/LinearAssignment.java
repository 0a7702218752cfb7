package jdetr.matcher;

import java.util.Arrays;

/**
 * Exact rectangular linear assignment: given a row-major {@code [rows, cols]} cost matrix, assigns
 * {@code min(rows, cols)} rows to distinct columns with the minimum total cost. Same problem and
 * same conventions as scipy's {@code linear_sum_assignment}: assigned row indices ascending, one
 * column per row, costs may be negative, rectangular matrices are solved without padding.
 *
 * <p>Method: shortest augmenting paths with dual variables (Jonker-Volgenant, in the rectangular
 * form described by D. F. Crouse, "On implementing 2D rectangular assignment algorithms", IEEE
 * TAES 52(4), 2016). The smaller dimension is augmented one line at a time; each augmentation is a
 * Dijkstra search over the reduced costs {@code c[i][j] - u[i] - v[j]} of the larger dimension. A
 * {@code [R, C]} problem with {@code R <= C} takes {@code O(R^2 C)} time in the worst case. When
 * {@code rows > cols} the problem is solved on the transposed matrix (held in the workspace).
 *
 * <p>Ties: when several columns are equally close, the search prefers an unassigned column (which
 * ends the search), otherwise the first one in its scan order; the scan order starts from the last
 * column and is reshuffled only by removals. The result depends only on the input values, so the
 * same matrix always gives the same assignment; on the recorded fixtures it also equals scipy 1.10's
 * choice among tied optima.
 *
 * <p>Errors: a NaN or infinite cost raises {@link IllegalArgumentException} naming the first such
 * cell {@code [i,j]} in row-major order; a cost array whose length is not {@code rows * cols} is
 * rejected. An empty matrix (0 rows or 0 columns) gives an empty assignment.
 *
 * <p>An instance keeps a workspace that grows to the largest problem seen and is reused, so repeated
 * calls allocate only the two result arrays. Instances are not thread-safe: use one per thread.
 */
public final class LinearAssignment {

  private static final double INF = Double.POSITIVE_INFINITY;

  /** The matrix being solved, [n, m] with n <= m, when it is not the caller's own array. */
  private double[] work = new double[0];
  private double[] u = new double[0];
  private double[] v = new double[0];
  private double[] shortest = new double[0];
  private int[] path = new int[0];
  private int[] col4row = new int[0];
  private int[] row4col = new int[0];
  private int[] remaining = new int[0];
  private int[] visitedRows = new int[0];
  private int visitedRowCount;
  /** Length of the shortest augmenting path found by the last search. */
  private double pathLength;

  /**
   * Solves the assignment problem on a row-major {@code [rows, cols]} matrix of doubles.
   *
   * @return the optimal assignment, rows ascending; {@code min(rows, cols)} pairs
   * @throws IllegalArgumentException on a non-finite cost (naming the cell) or a wrong length
   */
  public Assignment solve(double[] cost, int rows, int cols) {
    checkShape(cost.length, rows, cols);
    if (rows == 0 || cols == 0) {
      return Assignment.EMPTY;
    }
    if (rows <= cols) {
      for (int k = 0; k < cost.length; k++) {
        if (!Double.isFinite(cost[k])) {
          throw nonFinite(cost[k], k / cols, k % cols);
        }
      }
      solveWide(cost, rows, cols);
      return direct(rows);
    }
    double[] t = ensureWork(rows * cols);
    for (int i = 0; i < rows; i++) {
      int base = i * cols;
      for (int j = 0; j < cols; j++) {
        double c = cost[base + j];
        if (!Double.isFinite(c)) {
          throw nonFinite(c, i, j);
        }
        t[j * rows + i] = c; // [cols, rows]
      }
    }
    solveWide(t, cols, rows);
    return transposed(rows);
  }

  /**
   * Solves the assignment problem on a row-major {@code [rows, cols]} matrix of floats (widened to
   * double exactly, as scipy does with a float32 array).
   *
   * @return the optimal assignment, rows ascending; {@code min(rows, cols)} pairs
   * @throws IllegalArgumentException on a non-finite cost (naming the cell) or a wrong length
   */
  public Assignment solve(float[] cost, int rows, int cols) {
    checkShape(cost.length, rows, cols);
    return solveLeading(cost, rows, cols);
  }

  /**
   * As {@link #solve(float[], int, int)} on the first {@code rows * cols} entries of a buffer that
   * may be longer (a reused workspace).
   */
  Assignment solveLeading(float[] cost, int rows, int cols) {
    checkShape(Math.min(cost.length, rows * cols), rows, cols);
    if (rows == 0 || cols == 0) {
      return Assignment.EMPTY;
    }
    double[] t = ensureWork(rows * cols);
    boolean transpose = rows > cols;
    for (int i = 0; i < rows; i++) {
      int base = i * cols;
      for (int j = 0; j < cols; j++) {
        float c = cost[base + j];
        if (!Float.isFinite(c)) {
          throw nonFinite(c, i, j);
        }
        t[transpose ? j * rows + i : base + j] = c;
      }
    }
    if (transpose) {
      solveWide(t, cols, rows);
      return transposed(rows);
    }
    solveWide(t, rows, cols);
    return direct(rows);
  }

  private static void checkShape(int length, int rows, int cols) {
    if (rows < 0 || cols < 0) {
      throw new IllegalArgumentException("negative shape [" + rows + "," + cols + "]");
    }
    if ((long) rows * cols != length) {
      throw new IllegalArgumentException("cost array has " + length + " entries, expected "
          + ((long) rows * cols) + " for shape [" + rows + "," + cols + "]");
    }
  }

  private static IllegalArgumentException nonFinite(double value, int i, int j) {
    return new IllegalArgumentException("non-finite cost at [" + i + "," + j + "]: " + value);
  }

  /** Result when rows were the short side: row i goes to col4row[i]. */
  private Assignment direct(int n) {
    int[] rows = new int[n];
    for (int i = 0; i < n; i++) {
      rows[i] = i;
    }
    return new Assignment(rows, Arrays.copyOf(col4row, n));
  }

  /** Result when the transposed matrix was solved: caller row r is solved column r. */
  private Assignment transposed(int m) {
    int count = 0;
    for (int j = 0; j < m; j++) {
      if (row4col[j] >= 0) {
        count++;
      }
    }
    int[] rows = new int[count];
    int[] cols = new int[count];
    int k = 0;
    for (int j = 0; j < m; j++) {
      if (row4col[j] >= 0) {
        rows[k] = j;
        cols[k++] = row4col[j];
      }
    }
    return new Assignment(rows, cols);
  }

  /** Assigns every row of the row-major [n, m] matrix c (n <= m) to a distinct column. */
  private void solveWide(double[] c, int n, int m) {
    ensure(n, m);
    Arrays.fill(u, 0, n, 0.0);
    Arrays.fill(v, 0, m, 0.0);
    Arrays.fill(col4row, 0, n, -1);
    Arrays.fill(row4col, 0, m, -1);
    for (int current = 0; current < n; current++) {
      int sink = shortestAugmentingPath(c, m, current);
      double minVal = pathLength;
      // Dual update: keeps reduced costs non-negative and zero along the assignment.
      u[current] += minVal;
      for (int k = 0; k < visitedRowCount; k++) {
        int i = visitedRows[k];
        if (i != current) {
          u[i] += minVal - shortest[col4row[i]];
        }
      }
      // The columns scanned by the search sit after the unscanned ones in `remaining`.
      for (int k = m - visitedRowCount; k < m; k++) {
        int j = remaining[k];
        v[j] -= minVal - shortest[j];
      }
      // Augment: flip the assignment along the path from the sink back to the current row.
      int j = sink;
      while (true) {
        int i = path[j];
        row4col[j] = i;
        int previous = col4row[i];
        col4row[i] = j;
        j = previous;
        if (i == current) {
          break;
        }
      }
    }
  }

  /**
   * Dijkstra search from row {@code current} over reduced costs; returns the free column that ends
   * the shortest alternating path. Leaves the path length in {@link #pathLength}, the visited rows in
   * {@link #visitedRows} and the scanned columns in the tail of {@link #remaining}.
   */
  private int shortestAugmentingPath(double[] c, int m, int current) {
    double[] u = this.u;
    double[] v = this.v;
    double[] shortest = this.shortest;
    int[] path = this.path;
    int[] row4col = this.row4col;
    int[] remaining = this.remaining;
    Arrays.fill(shortest, 0, m, INF);
    for (int k = 0; k < m; k++) {
      remaining[k] = m - 1 - k;
    }
    int numRemaining = m;
    visitedRowCount = 0;
    double minVal = 0;
    int i = current;
    int sink = -1;
    while (sink < 0) {
      visitedRows[visitedRowCount++] = i;
      int base = i * m;
      double ui = u[i];
      double lowest = INF;
      int index = -1;
      for (int it = 0; it < numRemaining; it++) {
        int j = remaining[it];
        double r = minVal + c[base + j] - ui - v[j];
        double s = shortest[j];
        if (r < s) {
          path[j] = i;
          shortest[j] = r;
          s = r;
        }
        if (s < lowest || (s == lowest && row4col[j] < 0)) {
          lowest = s;
          index = it;
        }
      }
      if (index < 0 || lowest == INF) {
        throw new ArithmeticException(
            "reduced costs overflowed: cost magnitudes too large to solve in double precision");
      }
      minVal = lowest;
      int j = remaining[index];
      if (row4col[j] < 0) {
        sink = j;
      } else {
        i = row4col[j];
      }
      // Move the scanned column behind the unscanned ones.
      numRemaining--;
      remaining[index] = remaining[numRemaining];
      remaining[numRemaining] = j;
    }
    pathLength = minVal;
    return sink;
  }

  private double[] ensureWork(int size) {
    if (work.length < size) {
      work = new double[size];
    }
    return work;
  }

  private void ensure(int n, int m) {
    if (u.length < n) {
      u = new double[n];
      col4row = new int[n];
      visitedRows = new int[n];
    }
    if (v.length < m) {
      v = new double[m];
      shortest = new double[m];
      path = new int[m];
      row4col = new int[m];
      remaining = new int[m];
    }
  }
}

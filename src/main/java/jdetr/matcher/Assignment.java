package jdetr.matcher;

/**
 * A solution of a linear assignment problem: {@code rows[k]} is assigned to {@code cols[k]}.
 * Rows are sorted ascending (the convention of scipy's {@code linear_sum_assignment}); there are
 * {@code min(rows, cols)} pairs. The arrays are owned by this record and must not be changed.
 *
 * @param rows assigned row indices, strictly increasing
 * @param cols the column assigned to each row, all distinct
 */
public record Assignment(int[] rows, int[] cols) {

  /** The assignment of an empty problem. */
  public static final Assignment EMPTY = new Assignment(new int[0], new int[0]);

  public Assignment {
    if (rows.length != cols.length) {
      throw new IllegalArgumentException(
          "rows and cols differ in length: " + rows.length + " vs " + cols.length);
    }
  }

  /** Number of assigned pairs. */
  public int size() {
    return rows.length;
  }

  /** Total cost of this assignment on a row-major {@code [rows, numCols]} cost matrix. */
  public double totalCost(double[] cost, int numCols) {
    double total = 0;
    for (int k = 0; k < rows.length; k++) {
      total += cost[rows[k] * numCols + cols[k]];
    }
    return total;
  }
}

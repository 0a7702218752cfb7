package jdetr.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;

/** Locations of the reference fixtures and the max-abs-difference check used by parity tests. */
public final class ParityFixture {

  static final Path DIR = Path.of("src/test/resources/parity/model");
  static final double TOLERANCE = 1e-4;

  private ParityFixture() {}

  /** Asserts equal shapes and max |a - b| <= tol; prints and returns the figure. */
  public static double assertClose(String what, NDArray actual, NDArray expected, double tol) {
    assertThat(actual.getShape()).as(what + " shape").isEqualTo(expected.getShape());
    double diff = maxAbsDiff(actual, expected);
    System.out.printf("parity %-40s max|diff| = %.3e%n", what, diff);
    assertThat(diff).as(what + " max abs diff").isLessThanOrEqualTo(tol);
    return diff;
  }

  public static double maxAbsDiff(NDArray a, NDArray b) {
    NDArray d = a.toType(DataType.FLOAT32, false).sub(b.toType(DataType.FLOAT32, false)).abs();
    if (d.isNaN().any().getBoolean()) {
      return Double.NaN;
    }
    return d.max().getFloat();
  }
}

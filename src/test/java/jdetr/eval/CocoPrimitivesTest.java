package jdetr.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The small numeric pieces that must equal numpy to the bit. */
class CocoPrimitivesTest {
  @Test
  void iouThresholdsAreNumpyLinspace() {
    CocoParams p = CocoParams.bbox();
    assertThat(p.numIou()).isEqualTo(10);
    assertThat(p.iouThreshold(8)).isEqualTo(0.8999999999999999); // not 0.9
    assertThat(p.iouIndex(0.75)).isEqualTo(5);
    assertThat(p.iouIndex(0.9)).isEqualTo(-1);
    assertThat(p.numRecall()).isEqualTo(101);
    assertThat(p.recallThreshold(7)).isEqualTo(0.07);
    assertThat(p.recallThreshold(100)).isEqualTo(1.0);
    assertThat(p.areaHi(0)).isEqualTo(1e10);
    assertThat(p.areaLo(2)).isEqualTo(1024);
    assertThat(p.areaHi(2)).isEqualTo(9216);
  }

  @Test
  void scoreOrderIsStableAndTiesSignedZeros() {
    double[] s = {0.5, 0.9, 0.5, -0.0, 0.9, 0.0, 0.5};
    assertThat(ScoreOrder.descending(s, s.length)).containsExactly(1, 4, 0, 2, 6, 3, 5);
    // long input with many ties exercises the merge passes
    double[] many = new double[1000];
    for (int i = 0; i < many.length; i++) {
      many[i] = (i * 37 % 11) / 10.0;
    }
    int[] order = ScoreOrder.descending(many, many.length);
    for (int i = 1; i < order.length; i++) {
      double a = many[order[i - 1]];
      double b = many[order[i]];
      assertThat(a > b || (a == b && order[i - 1] < order[i])).as("position %d", i).isTrue();
    }
  }

  @Test
  void meanSumsLikeNumpy() {
    double[] v = new double[10000];
    Arrays.fill(v, 0.1);
    // np.mean(np.full(10000, 0.1)); a running sum gives 0.10000000000001588
    assertThat(NumpyMean.mean(v, v.length)).isEqualTo(0.10000000000000002);
  }

  @Test
  void printedNumbersRoundHalfToEvenOnTheExactValue() {
    assertThat(CocoSummary.fixed(0.0625, 3)).isEqualTo("0.062");
    assertThat(CocoSummary.fixed(0.1875, 3)).isEqualTo("0.188");
    assertThat(CocoSummary.fixed(0.95, 2)).isEqualTo("0.95");
    assertThat(CocoSummary.fixed(-1, 3)).isEqualTo("-1.000");
    assertThat(CocoSummary.fixed(0.12345, 3)).isEqualTo("0.123");
  }
}

package jdetr.data.transforms;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** get_size_with_aspect_ratio, for all scales and sizes the reference was asked about. */
class ResizeRuleParityTest {
  @Test
  void outputSizesEqualTheReferenceForEveryCase() throws IOException {
    JsonNode cases = ParityFixtures.json("sizes.json").get("cases");
    assertThat(cases.size()).isGreaterThan(4000);
    int mismatches = 0;
    StringBuilder first = new StringBuilder();
    for (JsonNode c : cases) {
      int[] v = ParityFixtures.ints(c);
      int[] hw = ResizeRule.outputSize(v[0], v[1], v[2], v[3]);
      if (hw[0] != v[4] || hw[1] != v[5]) {
        if (mismatches++ < 5) first.append(c).append(" -> ").append(hw[0]).append('x').append(hw[1]).append("; ");
      }
    }
    assertThat(mismatches).as(first.toString()).isZero();
  }

  @Test
  void pythonRoundsHalfToEven() {
    // 1333 * 1 / 2 = 666.5 -> 666 (even), not 667; long side int(666 * 2 / 1)
    assertThat(ResizeRule.outputSize(2, 1, 800, 1333)).containsExactly(666, 1332);
    // short side already at the target size: unchanged
    assertThat(ResizeRule.outputSize(640, 480, 480, 1333)).containsExactly(480, 640);
    assertThat(ResizeRule.outputSize(640, 480, 800, 1333)).containsExactly(800, 1066);
    assertThat(ResizeRule.outputSize(480, 640, 600, ResizeRule.NO_MAX)).containsExactly(800, 600);
  }
}

package jdetr.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import jdetr.engine.StepMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StepLinesTest {
  @TempDir Path out;

  private static StepMetrics step(long s) {
    Map<String, Double> v = new LinkedHashMap<>();
    v.put("loss", 10.0 - s);
    v.put("lr", 1e-4);
    return new StepMetrics(s, (int) (s / 4), (int) (s % 4) + 1, 4, 0.5, v);
  }

  @Test
  void aResumedRunKeepsTheStepsBeforeItsCheckpointOnly() throws Exception {
    try (StepLines lines = StepLines.open(out, 0)) {
      for (long s = 0; s < 6; s++) {
        lines.append(step(s));
      }
    }
    Files.writeString(out.resolve(StepLines.FILE), "{\"step\": 6, \"lo", StandardOpenOption.APPEND);
    try (StepLines lines = StepLines.open(out, 3)) { // the checkpoint was taken after 3 steps
      lines.append(step(3));
    }
    var read = StepLines.read(out);
    assertThat(read).extracting(n -> n.get("step").asLong()).containsExactly(0L, 1L, 2L, 3L);
    assertThat(read.get(3).get("loss").asDouble()).isEqualTo(7.0);
    assertThat(read.get(3).get("epoch_step").asInt()).isEqualTo(4);
    assertThat(read.get(3).get("lr").asDouble()).isEqualTo(1e-4);
  }
}

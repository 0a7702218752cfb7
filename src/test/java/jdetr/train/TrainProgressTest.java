package jdetr.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import jdetr.engine.StepMetrics;
import org.junit.jupiter.api.Test;

class TrainProgressTest {

  private static StepMetrics step(int epoch, int epochStep, int steps, double seconds) {
    Map<String, Double> v = new LinkedHashMap<>();
    v.put("loss", 10.0 + epochStep);
    v.put("loss_ce", 1.5);
    v.put("loss_bbox", 2.25);
    v.put("loss_giou", 1.125);
    v.put("class_error", 50.0);
    v.put("lr", 1e-4);
    return new StepMetrics(epoch * steps + epochStep - 1L, epoch, epochStep, steps, seconds, v);
  }

  @Test
  void withoutATerminalPrintsALineEveryNStepsAndAtTheEpochEnd() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TrainProgress p = new TrainProgress(TrainProgress.Mode.LINES,
        new PrintStream(bytes, true, StandardCharsets.UTF_8), 2)) {
      for (int s = 1; s <= 5; s++) {
        p.accept(step(0, s, 5, 0.5));
      }
      p.accept(step(1, 1, 5, 0.25));
      p.accept(step(1, 2, 5, 0.25));
    }
    String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
    assertThat(lines).containsExactly(
        "epoch 0 [2/5] 2.00 steps/s eta 2 s  loss 12.0000 ce 1.5000 bbox 2.2500 giou 1.1250 class_error 50.0 lr 1.00e-04",
        "epoch 0 [4/5] 2.00 steps/s eta 1 s  loss 14.0000 ce 1.5000 bbox 2.2500 giou 1.1250 class_error 50.0 lr 1.00e-04",
        "epoch 0 [5/5] 2.00 steps/s eta 0 s  loss 15.0000 ce 1.5000 bbox 2.2500 giou 1.1250 class_error 50.0 lr 1.00e-04",
        "epoch 1 [2/5] 4.00 steps/s eta 1 s  loss 12.0000 ce 1.5000 bbox 2.2500 giou 1.1250 class_error 50.0 lr 1.00e-04");
  }

  @Test
  void onATerminalDrawsABarPerEpochAndClearsItForMessages() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TrainProgress p = new TrainProgress(TrainProgress.Mode.BAR,
        new PrintStream(bytes, true, StandardCharsets.UTF_8), 10, 120)) {
      p.accept(step(0, 3, 4, 0.5)); // a run resumed at step 3 of 4
      p.messages().println("checkpoint step-000003 saved");
      p.accept(step(0, 4, 4, 0.5));
    }
    String drawn = bytes.toString(StandardCharsets.UTF_8);
    assertThat(drawn).contains("epoch 0 100%").contains("4/4").contains("/s loss 14.000 ce 1.500 bbox 2.250 giou 1.125")
        .contains("\r\033[Kcheckpoint step-000003 saved\n");
  }
}

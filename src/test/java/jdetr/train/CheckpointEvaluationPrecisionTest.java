package jdetr.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jdetr.engine.DeviceSpec;
import jdetr.engine.Precision;
import jdetr.eval.EvalResult;
import jdetr.eval.ScoreThresholdMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evaluation by prediction of a DETR training checkpoint on an explicit CPU device and in bf16:
 * the explicit device equals the default bit for bit; bf16 evaluates (twice, the cast model being
 * rebuilt for each checkpoint) and lands near fp32. The score-threshold monitor counts the boxes
 * the run's pictures draw, as the run log does, unless given another threshold.
 */
class CheckpointEvaluationPrecisionTest {

  @Test
  void cpuEqualsTheDefaultBf16EvaluatesNearFp32AndTheMonitorTakesItsThreshold(@TempDir Path tmp)
      throws Exception {
    List<String> sets = new ArrayList<>(TrainerTest.tiny(tmp.resolve("shapes"), tmp.resolve("run")));
    sets.add("epochs=1");
    sets.add("max_steps_per_epoch=1");
    TrainConfig config = TrainConfig.resolve(new ObjectMapper().createObjectNode(), sets, "test");
    Trainer.Result run = new Trainer(config, new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8)).run(false);
    Path checkpoint = run.checkpoint();

    EvalResult byDefault;
    try (CheckpointEvaluation e = new CheckpointEvaluation()) {
      byDefault = e.evaluate(checkpoint, 1, 0);
    }
    EvalResult onCpu;
    try (CheckpointEvaluation e = new CheckpointEvaluation(() -> false, DeviceSpec.CPU, Precision.FP32)) {
      onCpu = e.evaluate(checkpoint, 1, 0);
    }
    assertThat(byDefault.ok()).as(byDefault.error()).isTrue();
    assertThat(onCpu.stats()).containsExactly(byDefault.stats());

    ScoreThresholdMetrics pictures = byDefault.scoreThresholdMetrics();
    assertThat(pictures.scoreThreshold()).isEqualTo(RunFigures.PICTURE_SCORE);
    assertThat(pictures.numGt()).isPositive();
    assertThat(run.lastLog()).containsEntry("test_score_threshold", RunFigures.PICTURE_SCORE)
        .containsEntry("test_precision", pictures.precision())
        .containsEntry("test_recall", pictures.recall());
    EvalResult fromZero;
    try (CheckpointEvaluation e = new CheckpointEvaluation(() -> false, DeviceSpec.CPU,
        Precision.FP32, 0.0)) {
      fromZero = e.evaluate(checkpoint, 1, 0);
    }
    ScoreThresholdMetrics every = fromZero.scoreThresholdMetrics();
    assertThat(fromZero.stats()).containsExactly(byDefault.stats());
    assertThat(every.scoreThreshold()).isZero();
    assertThat(every.numGt()).isEqualTo(pictures.numGt());
    assertThat(every.truePositives()).isGreaterThanOrEqualTo(pictures.truePositives());
    assertThat(every.truePositives() + every.falsePositives())
        .as("every detection counts from score 0").isPositive()
        .isGreaterThanOrEqualTo(pictures.truePositives() + pictures.falsePositives());

    try (CheckpointEvaluation e = new CheckpointEvaluation(() -> false, DeviceSpec.CPU, Precision.BF16)) {
      for (int i = 0; i < 2; i++) {
        EvalResult bf16 = e.evaluate(checkpoint, 1, 0);
        assertThat(bf16.ok()).as(bf16.error()).isTrue();
        assertThat(bf16.stats()).hasSize(12);
        for (int k = 0; k < 12; k++) {
          assertThat(bf16.stats()[k]).as("stat %d", k).isCloseTo(byDefault.stats()[k],
              org.assertj.core.data.Offset.offset(0.05));
        }
      }
    }
  }
}

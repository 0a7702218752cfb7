package jdetr.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.util.LinkedHashMap;
import java.util.Map;
import jdetr.engine.StepMetrics;
import jdetr.eval.EvalResult;
import jdetr.eval.ScoreThresholdMetrics;
import org.junit.jupiter.api.Test;

/** The binary codecs of the trainer's step metrics and of the eval stage's results. */
class TrainMessageCodecTest {

  @Test
  void stepMetricsRoundTripInOrder() {
    Map<String, Double> values = new LinkedHashMap<>();
    values.put("loss", 12.5);
    values.put("loss_ce_0", 1.25);
    values.put("class_error", 100.0);
    values.put("lr", 1e-4);
    StepMetrics m = new StepMetrics(123456789012L, 3, 7, 250, 0.75, values);
    StepMetricsCodec codec = new StepMetricsCodec();
    Buffer b = Buffer.buffer("xy");
    codec.encodeToWire(b, m);
    StepMetrics back = codec.decodeFromWire(2, b);
    assertThat(back).isEqualTo(m);
    assertThat(back.values().keySet()).containsExactly("loss", "loss_ce_0", "class_error", "lr");
    assertThat(back.value("missing")).isNaN();
  }

  @Test
  void evalResultsRoundTripAndFailuresCarryTheirReason() {
    double[] stats = new double[12];
    for (int i = 0; i < 12; i++) {
      stats[i] = i / 12.0;
    }
    double[] masks = new double[12];
    for (int i = 0; i < 12; i++) {
      masks[i] = i / 24.0;
    }
    EvalResultCodec codec = new EvalResultCodec();
    for (EvalResult r : new EvalResult[] {
        new EvalResult("/runs/a/checkpoints/step-000100", 100, 4, stats, 3.5, ""),
        new EvalResult("/runs/a/checkpoints/step-000150", 150, 4, stats, 3.5, "", masks),
        new EvalResult("/runs/a/checkpoints/step-000175", 175, 4, stats, 3.5, "", masks,
            new double[0], new double[] {0.5, 374, 32, 1000}),
        EvalResult.failed("/runs/a/checkpoints/step-000200", 200, 5, 0.1, "checksum mismatch")}) {
      Buffer b = Buffer.buffer();
      codec.encodeToWire(b, r);
      EvalResult back = codec.decodeFromWire(0, b);
      assertThat(back.checkpoint()).isEqualTo(r.checkpoint());
      assertThat(back.step()).isEqualTo(r.step());
      assertThat(back.epoch()).isEqualTo(r.epoch());
      assertThat(back.stats()).containsExactly(r.stats());
      assertThat(back.error()).isEqualTo(r.error());
      assertThat(back.ok()).isEqualTo(r.ok());
      assertThat(back.maskStats()).containsExactly(r.maskStats());
      assertThat(back.atScore()).containsExactly(r.atScore());
    }
    assertThatThrownBy(() -> new EvalResult("c", 1, 0, new double[3], 1, ""))
        .hasMessageContaining("12 COCO numbers");
    assertThatThrownBy(() -> new EvalResult("c", 1, 0, stats, 1, "", new double[0], new double[0],
        new double[] {0.5, 1, 2})).hasMessageContaining("4 numbers, got 3");
  }

  @Test
  void theScoreMonitorReadsAsPrecisionAndRecall() {
    double[] stats = new double[12];
    EvalResult r = new EvalResult("c", 1, 0, stats, 1, "", new double[0], new double[0],
        new double[] {0.5, 374, 32, 1000});
    ScoreThresholdMetrics m = r.scoreThresholdMetrics();
    assertThat(m.scoreThreshold()).isEqualTo(0.5);
    assertThat(m.truePositives()).isEqualTo(374);
    assertThat(m.falsePositives()).isEqualTo(32);
    assertThat(m.numGt()).isEqualTo(1000);
    assertThat(m.precision()).isEqualTo(374 / 406.0);
    assertThat(m.recall()).isEqualTo(0.374);
    assertThat(m.perClass()).isEmpty();
    assertThat(EvalResult.atScoreOf(m)).containsExactly(r.atScore());
    assertThat(new EvalResult("c", 1, 0, stats, 1, "").scoreThresholdMetrics()).isNull();
  }

  @Test
  void aHostileLengthIsRefusedBeforeAllocating() {
    StepMetricsCodec codec = new StepMetricsCodec();
    Buffer b = Buffer.buffer();
    codec.encodeToWire(b, new StepMetrics(1, 0, 1, 1, 0, Map.of("loss", 1.0)));
    int keyLength = 4 + 4 + 8 + 4 + 4 + 4 + 8 + 4; // header, step, epoch, epochStep, steps, seconds, count
    b.setIntLE(keyLength, Integer.MAX_VALUE);
    assertThatThrownBy(() -> codec.decodeFromWire(0, b)).isInstanceOf(WireFormatException.class)
        .hasMessageContaining("values.key");
    Buffer c = Buffer.buffer();
    codec.encodeToWire(c, new StepMetrics(1, 0, 1, 1, 0, Map.of("loss", 1.0)));
    c.setIntLE(keyLength - 4, 1 << 30);
    assertThatThrownBy(() -> codec.decodeFromWire(0, c)).isInstanceOf(WireFormatException.class)
        .hasMessageContaining("values");
  }
}

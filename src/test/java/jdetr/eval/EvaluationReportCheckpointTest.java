package jdetr.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** {@code jdetr eval --checkpoint DIR [--json]}: what is printed of the checkpoint's evaluation. */
class EvaluationReportCheckpointTest {
  private static final double[] STATS = {0.4213376, 0.6, 1e-5, -1.0, 0.0, 1.0,
      0.1 + 0.2, 0.33333333333333331, 0.5, 0.25, 0.125, 7.0E-12};

  @Test
  void theJsonLineIsTheCheckpointItsTwelveNumbersAndSeconds() {
    Path dir = Path.of("runs/a \"b\"\tü/checkpoints/step-000010");
    EvalResult r = new EvalResult(dir.toString(), 10, 1, STATS, 12.5, "");
    String expected = new JsonObject().put("checkpoint", dir.toString())
        .put("stats", new JsonArray(Arrays.stream(STATS).boxed().toList()))
        .put("seconds", 12.5).encode() + System.lineSeparator();
    assertThat(print(dir, r, true)).isEqualTo(expected)
        .startsWith("{\"checkpoint\":\"runs/a \\\"b\\\"\\tü/checkpoints/step-000010\",\"stats\":[0.4213376,");
  }

  @Test
  void theTextIsPycocotoolsSummary() {
    EvalResult r = new EvalResult("c", 10, 1, STATS, 1, "");
    String text = print(Path.of("c"), r, false);
    assertThat(text.split("\n")).hasSize(12);
    assertThat(text).startsWith(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.421");
  }

  @Test
  void aModelWithMasksAddsItsMaskNumbers() {
    double[] masks = STATS.clone();
    masks[0] = 0.25;
    EvalResult r = new EvalResult("c", 10, 1, STATS, 1, "", masks);
    String text = print(Path.of("c"), r, false);
    assertThat(text.split("\n")).hasSize(25);
    assertThat(text.split("\n")[12]).isEqualTo("segm:");
    assertThat(text.split("\n")[13]).endsWith("= 0.250");
    JsonObject json = new JsonObject(print(Path.of("c"), r, true));
    assertThat(json.getJsonArray("mask_stats").getDouble(0)).isEqualTo(0.25);
    assertThat(json.getJsonArray("stats").getDouble(0)).isEqualTo(0.4213376);
  }

  @Test
  void theScoreMonitorAddsItsPrecisionAndRecall() {
    EvalResult r = new EvalResult("c", 10, 1, STATS, 1, "", new double[0], new double[0],
        new double[] {0.3, 374, 32, 1000});
    String[] text = print(Path.of("c"), r, false).split("\n");
    assertThat(text).hasSize(14);
    assertThat(text[12]).isEmpty();
    assertThat(text[13])
        .isEqualTo("score >= 0.3, IoU 0.50: precision 92.1 recall 37.4 (TP 374, FP 32, objects 1000)");
    JsonObject atScore = new JsonObject(print(Path.of("c"), r, true)).getJsonObject("at_score");
    assertThat(atScore).isEqualTo(new JsonObject().put("score_threshold", 0.3).put("iou", 0.5)
        .put("precision", 374 / 406.0).put("recall", 0.374).put("tp", 374).put("fp", 32)
        .put("objects", 1000));
  }

  private static String print(Path dir, EvalResult r, boolean json) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    EvaluationReport.printCheckpoint(dir, r, json, out);
    return bytes.toString(StandardCharsets.UTF_8);
  }
}

package jdetr.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import jdetr.eval.EvalResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** log.jsonl lines in epoch order, each written once its train averages and evaluation are known. */
class RunLogTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path out;
  private final ByteArrayOutputStream text = new ByteArrayOutputStream();
  private final PrintStream progress = new PrintStream(text, true, StandardCharsets.UTF_8);

  private static double[] stats(double ap) {
    double[] s = new double[12];
    java.util.Arrays.fill(s, ap);
    return s;
  }

  private List<JsonNode> lines() throws IOException {
    List<JsonNode> l = new ArrayList<>();
    for (String s : Files.readAllLines(out.resolve("log.jsonl"))) {
      l.add(JSON.readTree(s));
    }
    return l;
  }

  @Test
  void aLineWaitsForItsEvaluationAndLaterEpochsWaitForIt() throws IOException {
    RunLog log = RunLog.open(out, 0, 1234, progress);
    log.train(0, 10, Map.of("loss", 5.0), true);
    log.train(1, 20, Map.of("loss", 4.0), false);
    assertThat(out.resolve("log.jsonl")).doesNotExist();
    assertThat(log.unlogged()).extracting(RunLog.Unlogged::epoch).containsExactly(0, 1);
    log.eval(new EvalResult("x/step-000010", 10, 0, stats(0.25), 1.5, ""));
    List<JsonNode> l = lines();
    assertThat(l).hasSize(2);
    assertThat(l.get(0).get("train_loss").asDouble()).isEqualTo(5.0);
    assertThat(l.get(0).get("test_coco_eval_bbox")).hasSize(12);
    assertThat(l.get(0).get("test_coco_eval_bbox").get(0).asDouble()).isEqualTo(0.25);
    assertThat(l.get(0).get("n_parameters").asLong()).isEqualTo(1234);
    assertThat(l.get(0).has("test_coco_eval_masks")).isFalse();
    assertThat(l.get(0).has("test_score_threshold")).isFalse();
    assertThat(l.get(0).has("test_precision")).isFalse();
    assertThat(l.get(0).has("test_recall")).isFalse();
    assertThat(l.get(1).has("test_coco_eval_bbox")).isFalse();
    assertThat(l.get(1).get("epoch").asInt()).isEqualTo(1);
    assertThat(log.unlogged()).isEmpty();
    assertThat(text.toString(StandardCharsets.UTF_8))
        .contains("epoch 0: val AP 0.2500 AP50 0.2500 (step-000010, 1.5 s)");
    assertThat(out.resolve("plots/loss.png")).isNotEmptyFile();
    log.eval(new EvalResult("x/step-000010", 10, 0, stats(0.5), 1.5, "")); // a late duplicate
    assertThat(lines()).hasSize(2);
  }

  @Test
  void anEvaluationWithMasksLogsTheMaskStatsAsTheReferenceNamesThem() throws IOException {
    RunLog log = RunLog.open(out, 0, 1, progress);
    log.train(0, 10, Map.of("loss", 5.0), true);
    log.eval(new EvalResult("x/step-000010", 10, 0, stats(0.25), 1.5, "", stats(0.125)));
    JsonNode line = lines().get(0);
    assertThat(line.get("test_coco_eval_bbox").get(0).asDouble()).isEqualTo(0.25);
    assertThat(line.get("test_coco_eval_masks")).hasSize(12);
    assertThat(line.get("test_coco_eval_masks").get(11).asDouble()).isEqualTo(0.125);
  }

  @Test
  void theScoreMonitorGivesPrecisionAndRecallInTheLineAndTheProgress() throws IOException {
    RunLog log = RunLog.open(out, 0, 1, progress);
    log.train(0, 10, Map.of("loss", 5.0), true);
    double[] stats = stats(0.462);
    stats[1] = 0.733;
    log.eval(new EvalResult("x/step-001200", 1200, 0, stats, 12.3, "", new double[0],
        new double[0], new double[] {0.5, 374, 32, 1000}));
    JsonNode line = lines().get(0);
    assertThat(line.get("test_score_threshold").asDouble()).isEqualTo(0.5);
    assertThat(line.get("test_precision").asDouble()).isEqualTo(374 / 406.0);
    assertThat(line.get("test_recall").asDouble()).isEqualTo(0.374);
    assertThat(text.toString(StandardCharsets.UTF_8)).contains("epoch 0: val AP 0.4620 AP50 0.7330,"
        + " at score >= 0.5 precision 0.921 recall 0.374 (step-001200, 12.3 s)");
  }

  @Test
  void aStoppedRunLeavesTheLineWaitingForItsEvaluation() throws IOException {
    RunLog log = RunLog.open(out, 0, 1, progress);
    log.train(0, 10, Map.of("loss", 5.0), true);
    AtomicBoolean stopped = new AtomicBoolean();
    new Thread(() -> {
      sleep(300);
      stopped.set(true);
    }).start();
    assertThat(log.finish(Duration.ofMinutes(5), stopped::get)).isFalse();
    assertThat(out.resolve("log.jsonl")).doesNotExist();
    assertThat(log.unlogged()).extracting(RunLog.Unlogged::epoch).containsExactly(0);
    log.eval(new EvalResult("x/step-000010", 10, 0, stats(0.25), 1.5, ""));
    assertThat(log.finish(Duration.ofMinutes(5), stopped::get)).isTrue();
    assertThat(lines()).hasSize(1);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aFailedOrMissingEvaluationStillWritesTheLine() throws IOException {
    RunLog log = RunLog.open(out, 0, 1, progress);
    log.train(0, 10, Map.of("loss", 5.0), true);
    log.eval(EvalResult.failed("x/step-000010", 10, 0, 0.1, "x/step-000010: missing"));
    log.train(1, 20, Map.of("loss", 4.0), true);
    long start = System.nanoTime();
    log.finish(Duration.ofMillis(200));
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(150_000_000L);
    assertThat(lines()).hasSize(2).allSatisfy(n -> assertThat(n.has("test_coco_eval_bbox")).isFalse());
    assertThat(text.toString(StandardCharsets.UTF_8))
        .contains("warning: epoch 0 was not evaluated: x/step-000010: missing")
        .contains("warning: epoch 1: no evaluation within 0.2 s");
  }

  @Test
  void finishReturnsOnceTheLastEvaluationArrives() throws Exception {
    RunLog log = RunLog.open(out, 0, 1, progress);
    log.train(0, 10, Map.of("loss", 5.0), true);
    Thread eval = new Thread(() -> {
      try {
        Thread.sleep(100);
        log.eval(new EvalResult("x/step-000010", 10, 0, stats(0.1), 1, ""));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    eval.start();
    log.finish(Duration.ofSeconds(30));
    eval.join();
    assertThat(lines()).hasSize(1);
    assertThat(lines().get(0).has("test_coco_eval_bbox")).isTrue();
  }

  @Test
  void aResumedRunDropsTheLinesOfEpochsItRepeats() throws IOException {
    RunLog first = RunLog.open(out, 0, 1, progress);
    for (int e = 0; e < 3; e++) {
      first.train(e, e, Map.of("loss", (double) e), false);
    }
    Files.writeString(out.resolve("log.jsonl"), "{\"torn", java.nio.file.StandardOpenOption.APPEND);
    RunLog resumed = RunLog.open(out, 1, 1, progress);
    assertThat(lines()).hasSize(1);
    assertThat(resumed.has(0)).isTrue();
    assertThat(resumed.has(1)).isFalse();
    resumed.restore(new RunLog.Unlogged(1, 7, false, Map.of("loss", 9.0)));
    assertThat(lines()).hasSize(2);
    assertThat(lines().get(1).get("train_loss").asDouble()).isEqualTo(9.0);
  }
}

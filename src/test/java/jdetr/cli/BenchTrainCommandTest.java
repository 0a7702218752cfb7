package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code bench train} on a tiny recipe, 2 steps sequentially and 2 through the data and matcher
 * stages on the local event bus: the JSON lines carry every stage, the stages add up to the step,
 * and a reference file gives ratio lines. No timing is asserted.
 */
class BenchTrainCommandTest {
  private static final String RECIPE = """
      {"model": {"backbone": "resnet18", "hidden_dim": 16, "nheads": 2, "enc_layers": 1,
                 "dec_layers": 2, "dim_feedforward": 32, "num_queries": 5, "dropout": 0.0},
       "batch_size": 2, "lr": 1e-3, "lr_backbone": 1e-4,
       "data": {"root": "data/not-used", "synth": {"train": 4, "val": 1, "size": 48, "classes": 2}},
       "augmentation": {"scales": [32, 48], "max_size": 56, "crop_resize_sizes": [36, 40],
                        "crop_min_size": 24, "crop_max_size": 32, "val_size": 48}}
      """;

  private static final List<String> STEP_KEYS = List.of("data_wait_ms", "forward_ms",
      "match_send_ms", "match_wait_ms", "matching_ms", "loss_ms", "backward_ms", "optimizer_ms",
      "bus_ms", "compute_ms", "train_ms", "step_ms", "efficiency", "cpu_ms", "train_cpu_ms",
      "forward_cpu_ms", "matching_cpu_ms", "loss_cpu_ms", "backward_cpu_ms", "optimizer_cpu_ms",
      "loss", "height", "width", "targets");

  @Test
  void printsStageTimesSummariesMemoryAndRatios(@TempDir Path dir) throws Exception {
    Path recipe = dir.resolve("tiny-bench.json");
    Files.writeString(recipe, RECIPE);
    Path reference = dir.resolve("reference.jsonl");
    Files.writeString(reference, "{\"bench\":\"train\",\"impl\":\"reference\",\"config\":"
        + "\"tiny-bench\",\"summary\":true,\"train_ms\":100.0,\"train_cpu_ms_mean\":150.0,"
        + "\"forward_ms\":30.0,\"forward_cpu_ms_mean\":45.0}\n");
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream saved = System.out;
    int exit;
    try {
      System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
      exit = new CommandLine(new Main()).execute("bench", "train", "--configs", recipe.toString(),
          "--modes", "sequential,pipelined", "--steps", "2", "--warmup", "0", "--memory-every", "1",
          "--data", dir.resolve("data").toString(), "--reference", reference.toString());
    } finally {
      System.setOut(saved);
    }
    System.out.print(buffer.toString(StandardCharsets.UTF_8)); // kept in the test report
    assertThat(exit).isZero();
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : buffer.toString(StandardCharsets.UTF_8).split("\n")) {
      lines.add(json.readTree(line));
    }
    assertThat(Files.exists(dir.resolve("data"))).isTrue();
    for (String mode : List.of("sequential", "pipelined")) {
      List<JsonNode> steps = lines.stream().filter(l -> mode.equals(l.path("mode").asText())
          && l.has("step") && !l.has("what")).toList();
      assertThat(steps).as(mode).hasSize(2);
      for (JsonNode s : steps) {
        assertThat(s.get("config").asText()).isEqualTo("tiny-bench");
        for (String key : STEP_KEYS) {
          assertThat(s.has(key)).as("%s step line has %s: %s", mode, key, s).isTrue();
        }
        double stages = s.get("compute_ms").asDouble() + s.get("matching_ms").asDouble();
        // the stages are laps inside the step; what lies between them (reseeding, splitting the
        // batch) is small but stretches on a loaded machine
        double train = s.get("train_ms").asDouble();
        assertThat(stages).as("stages lie inside the step").isLessThanOrEqualTo(train + 1.0)
            .as("stages are most of the step").isGreaterThan(0.5 * train);
        assertThat(s.get("step_ms").asDouble()).isCloseTo(
            s.get("data_wait_ms").asDouble() + s.get("train_ms").asDouble(), within(0.02));
        assertThat(s.get("efficiency").asDouble()).isBetween(0.0, 1.0);
        assertThat(s.get("loss").asDouble()).isPositive();
        assertThat(s.get("bus_ms").asDouble() == 0).isEqualTo(mode.equals("sequential"));
      }
      List<JsonNode> memory = lines.stream().filter(l -> mode.equals(l.path("mode").asText())
          && "memory".equals(l.path("what").asText())).toList();
      assertThat(memory).hasSize(2);
      assertThat(memory.get(1).get("live_ndarrays").asInt()).as("no arrays left from a step")
          .isEqualTo(memory.get(0).get("live_ndarrays").asInt());
      assertThat(memory.get(0).get("rss_mb").asDouble()).isPositive();

      JsonNode summary = lines.stream().filter(l -> mode.equals(l.path("mode").asText())
          && l.path("summary").asBoolean()).findFirst().orElseThrow();
      assertThat(summary.get("steps").asInt()).isEqualTo(2);
      for (String key : List.of("efficiency", "step_ms", "compute_ms", "train_cpu_ms_mean",
          "forward_cpu_ms_mean", "threads", "load_avg_before", "load_avg_after", "peak_rss_mb",
          "rss_growth_mb_per_1000_steps", "mean_height", "mean_targets_per_image")) {
        assertThat(summary.has(key)).as("%s summary has %s: %s", mode, key, summary).isTrue();
      }
      if (mode.equals("pipelined")) {
        assertThat(summary.get("match_requests").asInt())
            .as("one request per image and decoder layer").isEqualTo(2 * 2 * 2);
        assertThat(summary.get("match_fallbacks").asInt()).isZero();
      }
      JsonNode ratio = lines.stream().filter(l -> mode.equals(l.path("mode").asText())
          && "ratio".equals(l.path("what").asText())).findFirst().orElseThrow();
      assertThat(ratio.get("train_cpu_ratio").asDouble()).isCloseTo(
          summary.get("train_cpu_ms_mean").asDouble() / 150.0, within(0.01));
      assertThat(ratio.get("forward_wall_ratio").asDouble()).isCloseTo(
          summary.get("forward_ms").asDouble() / 30.0, within(0.01));
    }
  }

  @Test
  void timesDeformableDetrWithItsFocalCriterionAndMatcher(@TempDir Path dir) throws Exception {
    Path recipe = dir.resolve("tiny-deformable.json");
    Files.writeString(recipe, RECIPE.replace("\"backbone\": \"resnet18\", \"hidden_dim\": 16",
        "\"architecture\": \"deformable_detr\", \"backbone\": \"resnet18\", \"hidden_dim\": 32,"
            + " \"deformable\": {\"num_feature_levels\": 3, \"with_box_refine\": true,"
            + " \"two_stage\": true}"));
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream saved = System.out;
    int exit;
    try {
      System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
      exit = new CommandLine(new Main()).execute("bench", "train", "--configs", recipe.toString(),
          "--modes", "sequential,pipelined", "--steps", "1", "--warmup", "0",
          "--data", dir.resolve("data").toString());
    } finally {
      System.setOut(saved);
    }
    System.out.print(buffer.toString(StandardCharsets.UTF_8));
    assertThat(exit).isZero();
    ObjectMapper json = new ObjectMapper();
    int summaries = 0;
    for (String line : buffer.toString(StandardCharsets.UTF_8).split("\n")) {
      JsonNode l = json.readTree(line);
      if (l.path("summary").asBoolean()) {
        summaries++;
        assertThat(l.get("steps").asInt()).isEqualTo(1);
      } else {
        assertThat(l.get("loss").asDouble()).as(line).isPositive();
      }
    }
    assertThat(summaries).isEqualTo(2);
  }
}

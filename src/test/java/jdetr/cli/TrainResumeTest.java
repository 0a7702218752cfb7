package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import jdetr.checkpoint.CheckpointStore;
import jdetr.checkpoint.ModelWeights;
import jdetr.checkpoint.Safetensors;
import jdetr.train.InlineCheckpoints;
import jdetr.train.StepLines;
import jdetr.train.TrainCheckpoint;
import jdetr.train.TrainConfig;
import jdetr.train.TrainProgress;
import jdetr.train.Trainer;
import jdetr.testing.ChildJvm;
import jdetr.verticles.TrainPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test-matrix row K4 on CPU with a tiny DETR (dropout 0.1, so libtorch's generator matters): a
 * {@code jdetr train} child JVM is killed with SIGKILL right after its step checkpoint in the
 * middle of the epoch was committed, then {@code jdetr train --resume} in a new JVM finishes the
 * run. Every step's losses, the epoch line (train averages over steps of both processes, val COCO
 * numbers) and the final model and AdamW moments are byte-equal to an uninterrupted run. Then the
 * sequential loop resumes from that step checkpoint with a new learning rate, which is applied to
 * the remaining steps, logged and stored in the next checkpoint.
 */
class TrainResumeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** 8 train images, batch 2: one epoch of 4 steps; a step checkpoint after step 2. */
  static ObjectNode recipe(Path root, Path out) {
    ObjectNode r = JSON.createObjectNode();
    ObjectNode model = r.putObject("model");
    model.put("backbone", "resnet18").put("hidden_dim", 32).put("nheads", 4).put("enc_layers", 1)
        .put("dec_layers", 1).put("dim_feedforward", 64).put("num_queries", 6).put("dropout", 0.1);
    r.put("batch_size", 2).put("micro_batches", 2).put("epochs", 1).put("lr", 1e-3)
        .put("lr_backbone", 1e-4).put("lr_drop", 1).put("checkpoint_every_steps", 2)
        .put("keep_checkpoints", 4).put("seed", 7);
    ObjectNode data = r.putObject("data");
    data.put("root", root.toString());
    data.putObject("synth").put("train", 8).put("val", 2).put("size", 64).put("classes", 2);
    ObjectNode aug = r.putObject("augmentation");
    aug.putArray("scales").add(48).add(64);
    aug.put("max_size", 80);
    aug.putArray("crop_resize_sizes").add(48).add(56);
    aug.put("crop_min_size", 32).put("crop_max_size", 48).put("val_size", 64);
    r.put("output_dir", out.toString());
    return r;
  }

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void killedAndResumedRunEqualsTheUninterruptedOne(@TempDir Path tmp) throws Exception {
    Path root = tmp.resolve("shapes");
    Path whole = tmp.resolve("whole");
    Path killed = tmp.resolve("killed");
    ai.djl.engine.Engine.getEngine("PyTorch"); // loads libtorch
    int threads = JniUtils.getNumThreads();

    // the uninterrupted run, in this JVM (it also generates the dataset)
    TrainConfig reference = TrainConfig.resolve(recipe(root, whole), List.of(), "reference");
    assertThat(new TrainPipeline(reference, Path.of("verticles"), false,
        new TrainProgress(TrainProgress.Mode.LINES, System.out, 1)).run()).isZero();

    Path recipeFile = tmp.resolve("tiny.json");
    Files.writeString(recipeFile, recipe(root, killed).toPrettyString());
    List<String> args = List.of("train", recipeFile.toString(), "--stages", "verticles",
        "--log-every", "1");
    List<String> jvm = List.of("-Dai.djl.pytorch.num_threads=" + threads);
    Path logs = Path.of("target", "child-logs");
    try (ChildJvm child = ChildJvm.start("train-killed", logs, jvm, Main.class.getName(), args)) {
      child.awaitLine(l -> l.startsWith("checkpoint step-000002 (epoch 0, step 2/4) saved"),
          Duration.ofSeconds(150));
      child.kill();
    }
    CheckpointStore store = new CheckpointStore(killed.resolve("checkpoints"), 4);
    long latest = store.loadLatest().orElseThrow().step();
    System.out.println("killed after the commit of step 2; LATEST is step " + latest);
    assertThat(latest).as("the kill came before the run ended").isLessThan(4);

    List<String> resumeArgs = Stream.concat(args.stream(), Stream.of("--resume")).toList();
    try (ChildJvm child = ChildJvm.start("train-resumed", logs, jvm, Main.class.getName(), resumeArgs)) {
      assertThat(child.awaitExit(Duration.ofSeconds(150))).as(child.stderrTail()).isZero();
      String said = String.join("\n", child.drain());
      assertThat(said).contains("resumed from " + store.root().resolve(CheckpointStore.dirName(latest)));
      if (latest == 2) {
        assertThat(said).contains("(continuing epoch 0 at its step 2)");
      }
    }

    assertSameSteps(killed, whole, 4);
    assertSameEpochLines(killed, whole);
    assertSameTensors(killed.resolve("checkpoints/step-000004"), whole.resolve("checkpoints/step-000004"));

    // from the step checkpoint after step 2, with the sequential loop and a new learning rate
    Path faster = rewound(whole, tmp.resolve("faster"), 2);
    TrainConfig newLr = TrainConfig.resolve(recipe(root, faster), List.of("lr=5e-4"), "new lr");
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    PrintStream print = new PrintStream(text, true, StandardCharsets.UTF_8);
    new Trainer(newLr, print).withStages(new InlineCheckpoints(print), m -> { }).run(true);
    assertThat(text.toString(StandardCharsets.UTF_8))
        .contains("learning rates changed at resume: lr 0.001 -> 5.0E-4");
    List<JsonNode> lines = StepLines.read(faster);
    List<JsonNode> before = StepLines.read(whole);
    assertThat(lines).hasSize(4);
    assertThat(lines.subList(0, 2)).isEqualTo(before.subList(0, 2));
    assertThat(lines.get(2).get("lr").asDouble()).isEqualTo(5e-4);
    assertThat(lines.get(3).get("lr").asDouble()).isEqualTo(5e-4);
    double meanLr = (lines.get(0).get("lr").asDouble() + lines.get(1).get("lr").asDouble()
        + lines.get(2).get("lr").asDouble() + lines.get(3).get("lr").asDouble()) / 4;
    JsonNode epoch = JSON.readTree(Files.readAllLines(faster.resolve("log.jsonl")).get(0));
    assertThat(epoch.get("train_lr").asDouble()).isEqualTo(meanLr);
    JsonNode state = JSON.readTree(faster.resolve("checkpoints/step-000004")
        .resolve(TrainCheckpoint.STATE).toFile());
    assertThat(state.get("config").get("lr").asDouble()).isEqualTo(5e-4);
    assertThat(state.get("lrs").get(0).asDouble()).as("after StepLR(1)").isEqualTo(5e-4 * 0.1);
  }

  /** A copy of a finished run whose newest checkpoint is the one of {@code step}. */
  private static Path rewound(Path run, Path copy, long step) throws IOException {
    try (Stream<Path> all = Files.walk(run)) {
      for (Path p : all.toList()) {
        Path to = copy.resolve(run.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          Files.copy(p, to);
        }
      }
    }
    CheckpointStore store = new CheckpointStore(copy.resolve("checkpoints"), 4);
    for (long s : store.steps()) {
      if (s > step) {
        try (Stream<Path> files = Files.walk(store.root().resolve(CheckpointStore.dirName(s)))) {
          for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
    }
    Files.writeString(store.root().resolve(CheckpointStore.LATEST), CheckpointStore.dirName(step) + "\n");
    return copy;
  }

  private static void assertSameSteps(Path run, Path reference, int steps) throws IOException {
    List<JsonNode> a = StepLines.read(run);
    List<JsonNode> b = StepLines.read(reference);
    assertThat(a).hasSize(steps);
    assertThat(b).hasSize(steps);
    for (int s = 0; s < steps; s++) {
      ObjectNode x = ((ObjectNode) a.get(s)).deepCopy();
      ObjectNode y = ((ObjectNode) b.get(s)).deepCopy();
      x.remove("seconds");
      y.remove("seconds");
      assertThat(x).as("step %d of %s", s, run.getFileName()).isEqualTo(y);
    }
  }

  private static void assertSameEpochLines(Path run, Path reference) throws IOException {
    List<String> a = Files.readAllLines(run.resolve("log.jsonl"));
    List<String> b = Files.readAllLines(reference.resolve("log.jsonl"));
    assertThat(a).hasSize(1).isEqualTo(b);
    for (String line : a) {
      assertThat(JSON.readTree(line).get("test_coco_eval_bbox")).hasSize(12);
    }
  }

  /** Every tensor of the model and of the AdamW moments has the same SHA-256. */
  private static void assertSameTensors(Path a, Path b) throws Exception {
    for (String file : List.of(ModelWeights.TENSORS, TrainCheckpoint.OPTIMIZER)) {
      Map<String, String> x = tensorDigests(a.resolve(file));
      Map<String, String> y = tensorDigests(b.resolve(file));
      assertThat(x).as(file).hasSizeGreaterThan(10).isEqualTo(y);
    }
  }

  static Map<String, String> tensorDigests(Path file) throws Exception {
    Safetensors.Header header = Safetensors.readHeader(file);
    Map<String, String> out = new TreeMap<>();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      for (Safetensors.Entry e : header.entries()) {
        ByteBuffer bytes = ByteBuffer.allocate((int) (e.end() - e.begin()));
        ch.read(bytes, header.dataStart() + e.begin());
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(bytes.array(), 0, bytes.position());
        out.put(e.name(), HexFormat.of().formatHex(sha.digest()));
      }
    }
    return out;
  }
}

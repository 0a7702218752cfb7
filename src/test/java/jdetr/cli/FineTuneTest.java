package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jdetr.checkpoint.ModelWeights;
import jdetr.checkpoint.Safetensors;
import jdetr.train.InitialWeightsDigests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code jdetr train conf/detr-r50-finetune.json --set data.root=DIR --set weights=official.pth}
 * on a generated one-class dataset, from a small official-format checkpoint written by the
 * reference DETR (ResNet-18, hidden 32, 91 classes): the checkpoint's architecture replaces the
 * recipe's R50 with one log line, the class head is re-initialised for 2 classes (largest id 1,
 * plus one), everything else starts as saved, and the run trains, logs and checkpoints.
 */
class FineTuneTest {
  private static final Path PTH = Path.of("src/test/resources/parity/finetune/detr_r18_tiny.pth");
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Run(int code, String out, String err) {}

  private static Run run(List<String> args) {
    PrintStream out = System.out, err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int code = new CommandLine(new Main()).execute(args.toArray(String[]::new));
      return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  /** The fine-tuning command of the README, scaled to 64-pixel images and a few steps. */
  private static List<String> finetune(Path data, Path out, String... more) {
    List<String> args = new ArrayList<>(List.of("train", "conf/detr-r50-finetune.json",
        "--set", "data.root=" + data, "--set", "weights=" + PTH, "--set", "output_dir=" + out,
        "--set", "epochs=1", "--set", "augmentation.scales=[48, 64]",
        "--set", "augmentation.max_size=80", "--set", "augmentation.crop_resize_sizes=[48, 56]",
        "--set", "augmentation.crop_min_size=32", "--set", "augmentation.crop_max_size=48",
        "--set", "augmentation.val_size=64"));
    for (String s : more) {
      args.add("--set");
      args.add(s);
    }
    return args;
  }

  private static Map<String, NDArray> weights(Path checkpoint, NDManager m) throws Exception {
    return Safetensors.read(checkpoint.resolve(ModelWeights.TENSORS), m).tensors();
  }

  @Test
  void officialCheckpointIsFineTunedOnAOneClassDataset(@TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("one-class");
    assertThat(run(List.of("synth", "--out", data.toString(), "--train", "8", "--val", "4",
        "--size", "64", "--classes", "1")).code()).isZero();
    Map<String, String> expected = InitialWeightsDigests.expected();

    // 1. Learning rates of 1e-30 (0 is refused): AdamW's first update, lr * m/(sqrt(v) + eps) with
    //    |m/sqrt(v)| <= 1, is far below the rounding unit of every weight, so the model saved after
    //    one step is the model as loaded before it.
    Path still = tmp.resolve("still");
    Run frozen = run(finetune(data, still, "max_steps_per_epoch=1", "lr=1e-30", "lr_backbone=1e-30"));
    assertThat(frozen.code()).as(frozen.err()).isZero();
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Map<String, NDArray> loaded = weights(still.resolve("checkpoints/step-000001"), m);
      assertThat(loaded.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
      for (Map.Entry<String, NDArray> e : loaded.entrySet()) {
        if (!e.getKey().startsWith("class_embed.")) {
          assertThat(InitialWeightsDigests.of(e.getValue())).as(e.getKey())
              .isEqualTo(expected.get(e.getKey()));
        }
      }
      assertThat(loaded.get("class_embed.weight").getShape().getShape()).containsExactly(3, 32);
      assertThat(loaded.get("class_embed.bias").getShape().getShape()).containsExactly(3);
    }

    // 2. The recipe's rates: three steps that train.
    Path out = tmp.resolve("run");
    Run r = run(finetune(data, out, "max_steps_per_epoch=3"));
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("weights " + PTH + ": model from the checkpoint, the recipe differs"
        + " in backbone resnet50 -> resnet18, hidden_dim 256 -> 32, dim_feedforward 2048 -> 64,"
        + " enc_layers 6 -> 1, dec_layers 6 -> 1, num_queries 100 -> 10\n");
    assertThat(r.out()).contains("loaded; class head re-initialised for 2 classes (the checkpoint has 91)");
    assertThat(r.out()).contains("training detr resnet18: 8 train / 4 val images, 2 classes");

    List<String> log = Files.readAllLines(out.resolve("log.jsonl"));
    assertThat(log).hasSize(1);
    JsonNode line = JSON.readTree(log.get(0));
    for (String k : List.of("train_loss", "train_loss_ce", "train_loss_bbox", "train_loss_giou")) {
      assertThat(Double.isFinite(line.get(k).asDouble())).as(k).isTrue();
    }
    assertThat(line.get("test_coco_eval_bbox").size()).isEqualTo(12);

    Path checkpoint = out.resolve("checkpoints/step-000003");
    JsonNode model = JSON.readTree(checkpoint.resolve(ModelWeights.DESCRIPTION).toFile()).get("config");
    assertThat(model.get("backbone").asText()).isEqualTo("resnet18");
    assertThat(model.get("hidden_dim").asInt()).isEqualTo(32);
    assertThat(model.get("num_classes").asInt()).isEqualTo(2);
    JsonNode state = JSON.readTree(checkpoint.resolve("state.json").toFile());
    assertThat(state.at("/config/model/backbone").asText()).isEqualTo("resnet18");
    assertThat(state.at("/config/lr_backbone").asDouble()).isEqualTo(1e-5);

    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Map<String, NDArray> trained = weights(checkpoint, m);
      int frozenSame = 0;
      int moved = 0;
      for (Map.Entry<String, NDArray> e : trained.entrySet()) {
        String k = e.getKey();
        boolean same = InitialWeightsDigests.of(e.getValue()).equals(expected.get(k));
        // DETR never trains the stem, layer1 or any frozen batch-norm statistic
        boolean neverTrained = k.startsWith("backbone.0.body.conv1.") || k.startsWith("backbone.0.body.bn1.")
            || k.startsWith("backbone.0.body.layer1.") || k.contains(".bn") || k.contains("downsample.1.");
        if (neverTrained) {
          assertThat(same).as("%s is not trained and stays as loaded", k).isTrue();
          frozenSame++;
        } else if (!same) {
          moved++;
        }
      }
      assertThat(frozenSame).isGreaterThan(40);
      assertThat(moved).as("trained tensors changed").isGreaterThan(50);
    }
  }
}

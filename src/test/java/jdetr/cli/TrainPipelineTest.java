package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jdetr.checkpoint.CheckpointStore;
import jdetr.checkpoint.ModelWeights;
import jdetr.train.InlineCheckpoints;
import jdetr.train.StepLines;
import jdetr.train.TrainCheckpoint;
import jdetr.train.TrainConfig;
import jdetr.train.TrainProgress;
import jdetr.train.Trainer;
import jdetr.verticles.TrainPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jdetr train} (the stages: data, matcher, trainer, checkpoint and eval verticles deployed
 * from {@code verticles/} on the local event bus) trains exactly like {@code --sequential} (the
 * plain loop on one thread), with dropout, micro-batches, a checkpoint after every step and only
 * one kept: the same losses at every step, the same epoch lines (the eval stage evaluates the
 * saved checkpoint in its own model while the next epoch trains; the plain loop its live model)
 * and byte-equal parameters and AdamW moments.
 */
class TrainPipelineTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static List<String> tiny(Path root, Path out) {
    return new ArrayList<>(List.of("model.backbone=resnet18", "model.hidden_dim=32",
        "model.nheads=4", "model.enc_layers=1", "model.dec_layers=2", "model.dim_feedforward=64",
        "model.num_queries=6", "model.dropout=0.1", "batch_size=2", "micro_batches=2", "epochs=2",
        "lr_drop=1", "max_steps_per_epoch=2", "lr=1e-3", "lr_backbone=1e-4",
        "checkpoint_every_steps=1", "keep_checkpoints=1", "data.root=" + root,
        "data.synth={\"train\": 6, \"val\": 2, \"size\": 64, \"classes\": 2}",
        "augmentation.scales=[48, 64]", "augmentation.max_size=80",
        "augmentation.crop_resize_sizes=[48, 56]", "augmentation.crop_min_size=32",
        "augmentation.crop_max_size=48", "augmentation.val_size=64", "output_dir=" + out));
  }

  @Test
  void stagesOnTheEventBusTrainLikeThePlainLoop(@TempDir Path tmp) throws Exception {
    Path root = tmp.resolve("shapes");
    Path plainOut = tmp.resolve("plain");
    Path stagedOut = tmp.resolve("staged");
    TrainProgress lines = new TrainProgress(TrainProgress.Mode.LINES, System.out, 1);
    TrainConfig plain = TrainConfig.resolve(JSON.createObjectNode(), tiny(root, plainOut), "t");
    Trainer.Result a = new Trainer(plain, System.out)
        .withStages(new InlineCheckpoints(System.out), lines).run(false);
    TrainConfig staged = TrainConfig.resolve(JSON.createObjectNode(), tiny(root, stagedOut), "t");
    assertThat(new TrainPipeline(staged, Path.of("verticles"), false, lines).run()).isZero();

    List<JsonNode> sa = StepLines.read(plainOut);
    List<JsonNode> sb = StepLines.read(stagedOut);
    assertThat(sa).hasSize(4);
    assertThat(sb).hasSize(4);
    for (int s = 0; s < 4; s++) {
      ((ObjectNode) sa.get(s)).remove("seconds");
      ((ObjectNode) sb.get(s)).remove("seconds");
      assertThat(sb.get(s)).as("step %d", s).isEqualTo(sa.get(s));
    }
    List<String> la = Files.readAllLines(plainOut.resolve("log.jsonl"));
    List<String> lb = Files.readAllLines(stagedOut.resolve("log.jsonl"));
    assertThat(lb).hasSize(2).isEqualTo(la);
    for (String line : lb) {
      assertThat(JSON.readTree(line).get("test_coco_eval_bbox")).hasSize(12);
    }
    assertThat(stagedOut.resolve("plots/ap.png")).isNotEmptyFile();

    Path last = stagedOut.resolve("checkpoints/step-000004");
    assertThat(a.checkpoint()).isEqualTo(plainOut.resolve("checkpoints/step-000004").toAbsolutePath());
    CheckpointStore store = new CheckpointStore(stagedOut.resolve("checkpoints"), 1);
    assertThat(store.loadLatest().orElseThrow().dir()).isEqualTo(last.toAbsolutePath());
    assertThat(store.leftovers()).isEmpty();
    for (String file : List.of(ModelWeights.TENSORS, TrainCheckpoint.OPTIMIZER)) {
      assertThat(TrainResumeTest.tensorDigests(last.resolve(file))).as(file)
          .isEqualTo(TrainResumeTest.tensorDigests(a.checkpoint().resolve(file)));
    }
  }
}

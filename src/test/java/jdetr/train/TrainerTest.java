package jdetr.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
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
import jdetr.checkpoint.DetrWeights;
import jdetr.data.Batch;
import jdetr.data.CocoDataset;
import jdetr.data.CocoPaths;
import jdetr.data.transforms.TrainTransform;
import jdetr.engine.AdamW;
import jdetr.engine.AdamWConfig;
import jdetr.engine.MatchingSource;
import jdetr.engine.ParameterGroups;
import jdetr.engine.TrainStep;
import jdetr.engine.TrainableParameters;
import jdetr.loss.CriterionConfig;
import jdetr.loss.SetCriterion;
import jdetr.matcher.HungarianMatcher;
import jdetr.matcher.MatcherConfig;
import jdetr.model.Detr;
import jdetr.model.DetrConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train} end to end on a tiny generated dataset, resume, and an overfitting check. */
class TrainerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static List<String> tiny(Path root, Path out) {
    return List.of("model.backbone=resnet18", "model.hidden_dim=32", "model.nheads=4",
        "model.enc_layers=1", "model.dec_layers=2", "model.dim_feedforward=64",
        "model.num_queries=6", "model.dropout=0", "batch_size=2", "micro_batches=2",
        "epochs=2", "lr_drop=1", "max_steps_per_epoch=2", "lr=1e-3", "lr_backbone=1e-4",
        "data.root=" + root, "data.synth={\"train\": 6, \"val\": 3, \"size\": 64, \"classes\": 2}",
        "augmentation.scales=[48, 64]", "augmentation.max_size=80",
        "augmentation.crop_resize_sizes=[48, 56]", "augmentation.crop_min_size=32",
        "augmentation.crop_max_size=48", "augmentation.val_size=64", "output_dir=" + out);
  }

  @Test
  void trainsEvaluatesCheckpointsAndResumes(@TempDir Path tmp) throws Exception {
    Path root = tmp.resolve("shapes");
    Path out = tmp.resolve("run");
    List<String> sets = new ArrayList<>(tiny(root, out));
    TrainConfig config = TrainConfig.resolve(JSON.createObjectNode(), sets, "test");
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    Trainer.Result r = new Trainer(config, new PrintStream(text, true, StandardCharsets.UTF_8)).run(false);

    assertThat(Files.isDirectory(root.resolve("train2017"))).as("dataset generated").isTrue();
    assertThat(r.steps()).isEqualTo(4);
    List<String> lines = Files.readAllLines(out.resolve("log.jsonl"));
    assertThat(lines).hasSize(2);
    for (int e = 0; e < 2; e++) {
      JsonNode line = JSON.readTree(lines.get(e));
      assertThat(line.get("epoch").asInt()).isEqualTo(e);
      for (String key : List.of("train_loss", "train_loss_ce", "train_loss_bbox", "train_loss_giou",
          "train_loss_ce_0", "train_loss_bbox_0", "train_loss_giou_0", "train_loss_ce_unscaled",
          "train_cardinality_error_unscaled", "train_class_error", "train_cardinality_error",
          "train_lr", "n_parameters")) {
        assertThat(line.has(key)).as(key).isTrue();
        assertThat(Double.isFinite(line.get(key).asDouble())).as(key).isTrue();
      }
      JsonNode stats = line.get("test_coco_eval_bbox");
      assertThat(stats.size()).isEqualTo(12);
      stats.forEach(v -> assertThat(v.asDouble()).isBetween(-1.0, 1.0));
    }
    // StepLR(1): the second epoch runs at a tenth of the rate
    assertThat(JSON.readTree(lines.get(1)).get("train_lr").asDouble()).isCloseTo(1e-4,
        org.assertj.core.data.Offset.offset(1e-12));
    assertThat(text.toString(StandardCharsets.UTF_8)).contains("epoch 1 [2/2]").contains("val AP");

    assertThat(out.resolve("plots/loss.png")).isNotEmptyFile();
    assertThat(out.resolve("plots/ap.png")).isNotEmptyFile();
    try (var drawn = Files.list(out.resolve("predictions"))) {
      assertThat(drawn.filter(p -> p.toString().endsWith(".png")).count()).isEqualTo(3);
    }
    assertThat(text.toString(StandardCharsets.UTF_8)).doesNotContain("could not draw");
    // the checkpoint is a weights directory that loads
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      DetrWeights.Loaded loaded = DetrWeights.load(r.checkpoint(), DetrConfig.defaults(), m);
      assertThat(loaded.detr().config().numClasses()).isEqualTo(3);
      assertThat(loaded.categories()).hasSize(2);
    }
    JsonNode state = JSON.readTree(r.checkpoint().resolve(TrainCheckpoint.STATE).toFile());
    assertThat(state.get("epochs_done").asInt()).isEqualTo(2);
    assertThat(state.get("step").asLong()).isEqualTo(4);

    // resume with one more epoch and a new learning rate
    sets.add("epochs=3");
    sets.add("lr=5e-4");
    TrainConfig more = TrainConfig.resolve(JSON.createObjectNode(), sets, "test");
    text.reset();
    Trainer.Result resumed = new Trainer(more, new PrintStream(text, true, StandardCharsets.UTF_8)).run(true);
    String said = text.toString(StandardCharsets.UTF_8);
    assertThat(said).contains("resumed from").contains("2 epochs done, step 4")
        .contains("learning rates changed at resume");
    assertThat(resumed.steps()).isEqualTo(6);
    List<String> after = Files.readAllLines(out.resolve("log.jsonl"));
    assertThat(after).hasSize(3);
    assertThat(after.subList(0, 2)).isEqualTo(lines);
    assertThat(JSON.readTree(after.get(2)).get("epoch").asInt()).isEqualTo(2);
    // two StepLR drops at the end of epochs 0 and 1: 5e-4 * 0.01
    assertThat(JSON.readTree(after.get(2)).get("train_lr").asDouble()).isCloseTo(5e-6,
        org.assertj.core.data.Offset.offset(1e-12));

    // resume with a later StepLR drop: the saved rate (dropped three times) gives way to the new
    // schedule's, undropped after 3 epochs with lr_drop 4, and the next drop comes after epoch 4
    sets.add("epochs=5");
    sets.add("lr_drop=4");
    text.reset();
    new Trainer(TrainConfig.resolve(JSON.createObjectNode(), sets, "test"),
        new PrintStream(text, true, StandardCharsets.UTF_8)).run(true);
    assertThat(text.toString(StandardCharsets.UTF_8)).contains("lr_drop 1 -> 4");
    List<String> later = Files.readAllLines(out.resolve("log.jsonl"));
    assertThat(later).hasSize(5);
    assertThat(JSON.readTree(later.get(3)).get("train_lr").asDouble()).isCloseTo(5e-4,
        org.assertj.core.data.Offset.offset(1e-12));
    assertThat(JSON.readTree(later.get(4)).get("train_lr").asDouble()).isCloseTo(5e-5,
        org.assertj.core.data.Offset.offset(1e-12));
  }

  @Test
  void lossFallsWhenOneBatchIsRepeated(@TempDir Path tmp) throws Exception {
    Path root = tmp.resolve("shapes");
    TrainConfig config = TrainConfig.resolve(JSON.createObjectNode(), tiny(root, tmp.resolve("o")), "t");
    CocoPaths[] splits = TrainData.openOrGenerate(root, config.synth());
    CocoDataset train = CocoDataset.open(splits[0]);
    TrainData data = new TrainData(train, new TrainTransform(config.augmentation()), 2, 1);
    Batch batch = data.batch(0, 0);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Engine.getInstance().setRandomSeed(3);
      DetrConfig model = config.modelFor(train.numClasses());
      Detr detr = Detr.create(model, m);
      AdamW adamw = new AdamW(ParameterGroups.detr(TrainableParameters.of(detr), 1e-3, 1e-4),
          AdamWConfig.DETR, m);
      TrainStep step = new TrainStep(detr, new SetCriterion(CriterionConfig.detr(), model.numClasses()),
          MatchingSource.local(new HungarianMatcher(MatcherConfig.DETR)), adamw, 0.1, 1, m);
      List<Double> losses = new ArrayList<>();
      for (int s = 0; s < 16; s++) {
        losses.add(step.run(batch, s).loss());
      }
      double lastThree = (losses.get(13) + losses.get(14) + losses.get(15)) / 3;
      System.out.println("repeated-batch losses: " + losses);
      int falls = 0;
      for (int s = 1; s < losses.size(); s++) {
        falls += losses.get(s) < losses.get(s - 1) ? 1 : 0;
      }
      assertThat(falls).as("steps that lowered the loss: " + losses).isGreaterThanOrEqualTo(12);
      assertThat(lastThree).as("mean loss of steps 13-15 against step 0: " + losses)
          .isLessThan(0.85 * losses.get(0));
    }
  }
}

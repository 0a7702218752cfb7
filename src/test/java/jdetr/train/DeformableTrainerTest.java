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
import jdetr.engine.NamedParameter;
import jdetr.engine.ParamGroup;
import jdetr.engine.ParameterGroups;
import jdetr.engine.TrainStep;
import jdetr.engine.TrainableParameters;
import jdetr.loss.ClassLoss;
import jdetr.loss.CriterionConfig;
import jdetr.loss.SetCriterion;
import jdetr.matcher.HungarianMatcher;
import jdetr.matcher.MatcherConfig;
import jdetr.model.DeformableOptions;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrConfig;
import jdetr.model.ModelBuilder;
import jdetr.model.deformable.DeformableDetr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deformable DETR through the training path: the recipe's defaults are the reference's, the run
 * trains with the focal loss and three learning-rate groups, evaluates, checkpoints, and the loss
 * falls on a repeated batch.
 */
class DeformableTrainerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static List<String> tiny(Path root, Path out) {
    List<String> sets = new ArrayList<>(TrainerTest.tiny(root, out));
    sets.replaceAll(s -> s.equals("model.nheads=4") ? "model.nheads=2" : s);
    sets.add(0, "model.architecture=deformable_detr");
    sets.add("model.num_queries=8");
    return sets;
  }

  @Test
  void recipeTakesTheReferenceDeformableDefaults() throws Exception {
    TrainConfig c = TrainConfig.load(Path.of("conf/deformable-detr-r50.json"), List.of());
    assertThat(c.model().isDeformable()).isTrue();
    assertThat(c.model().classLoss()).isEqualTo(ClassLoss.SIGMOID_FOCAL);
    assertThat(c.lr()).isEqualTo(2e-4);
    assertThat(c.lrBackbone()).isEqualTo(2e-5);
    assertThat(c.epochs()).isEqualTo(50);
    assertThat(c.lrDrop()).isEqualTo(40);
    assertThat(c.weightDecay()).isEqualTo(1e-4);
    assertThat(c.clipMaxNorm()).isEqualTo(0.1);
    assertThat(c.model().dimFeedforward()).isEqualTo(1024);
    assertThat(c.model().numQueries()).isEqualTo(300);
    assertThat(c.model().deformable()).isEqualTo(DeformableOptions.defaults());
    assertThat(TrainConfig.resolve(c.toJson(), List.of(), "state.json")).isEqualTo(c);

    TrainConfig refine = TrainConfig.load(Path.of("conf/deformable-detr-r50-two-stage.json"),
        List.of("model.deformable.enc_n_points=3", "lr=1e-4"));
    assertThat(refine.model().deformable()).isEqualTo(new DeformableOptions(4, 3, 4, true, true));
    assertThat(refine.lr()).isEqualTo(1e-4);
    assertThat(refine.epochs()).isEqualTo(50);
    assertThat(TrainConfig.resolve(JSON.createObjectNode(),
        List.of("model.architecture=deformable_detr"), "set").model().numQueries()).isEqualTo(300);
    TrainConfig detr = TrainConfig.resolve(JSON.createObjectNode(), List.of(), "none");
    assertThat(detr.model().isDeformable()).isFalse();
    assertThat(detr.lr()).isEqualTo(1e-4);
  }

  @Test
  void linearProjectionsTrainAtATenthOfTheRate() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      DetrConfig config = DetrConfig.builder(DetrConfig.Architecture.DEFORMABLE_DETR)
          .backbone("resnet18").hiddenDim(32).nheads(2).encLayers(1).decLayers(1)
          .dimFeedforward(32).numQueries(4).numClasses(3).build();
      DetectionTransformer model = ModelBuilder.build(config, m);
      List<ParamGroup> groups = ParameterGroups.reference(true, TrainableParameters.of(model),
          2e-4, 2e-5);
      assertThat(groups).extracting(ParamGroup::lr).containsExactly(2e-4, 2e-5, 2e-4 * 0.1);
      assertThat(groups.get(2).parameters()).extracting(NamedParameter::name)
          .allMatch(n -> n.contains("sampling_offsets") || n.contains("reference_points"))
          .contains("transformer.reference_points.weight",
              "transformer.decoder.layers.0.cross_attn.sampling_offsets.bias");
      assertThat(groups.get(1).parameters()).extracting(NamedParameter::name)
          .allMatch(n -> n.startsWith("backbone.0."));
    }
  }

  @Test
  void trainsEvaluatesAndCheckpoints(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("run");
    List<String> sets = new ArrayList<>(tiny(tmp.resolve("shapes"), out));
    sets.add("epochs=1");
    TrainConfig config = TrainConfig.resolve(JSON.createObjectNode(), sets, "test");
    assertThat(config.model().isDeformable()).isTrue();
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    Trainer.Result r =
        new Trainer(config, new PrintStream(text, true, StandardCharsets.UTF_8)).run(false);
    assertThat(r.steps()).isEqualTo(2);
    JsonNode line = JSON.readTree(Files.readAllLines(out.resolve("log.jsonl")).get(0));
    for (String key : List.of("train_loss", "train_loss_ce", "train_loss_bbox", "train_loss_giou",
        "train_loss_ce_0", "train_class_error", "train_lr")) {
      assertThat(Double.isFinite(line.get(key).asDouble())).as(key).isTrue();
    }
    assertThat(line.get("test_coco_eval_bbox").size()).isEqualTo(12);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      DetrWeights.Loaded loaded = DetrWeights.load(r.checkpoint(), DetrConfig.defaults(), m);
      assertThat(loaded.detr()).isInstanceOf(DeformableDetr.class);
      assertThat(loaded.detr().config()).isEqualTo(config.modelFor(3));
    }
  }

  @Test
  void twoStageStepSupervisesTheEncoderProposals(@TempDir Path tmp) throws Exception {
    Path root = tmp.resolve("shapes");
    List<String> sets = new ArrayList<>(tiny(root, tmp.resolve("o")));
    sets.add("model.deformable={\"with_box_refine\": true, \"two_stage\": true}");
    sets.add("model.hidden_dim=64"); // two-stage: queries from 4 x 16 proposal features
    TrainConfig config = TrainConfig.resolve(JSON.createObjectNode(), sets, "t");
    CocoPaths[] splits = TrainData.openOrGenerate(root, config.synth());
    CocoDataset train = CocoDataset.open(splits[0]);
    Batch batch = new TrainData(train, new TrainTransform(config.augmentation()), 2, 1).batch(0, 0);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Engine.getInstance().setRandomSeed(5);
      DetrConfig model = config.modelFor(train.numClasses());
      assertThat(model.deformable().twoStage()).isTrue();
      DetectionTransformer detr = ModelBuilder.build(model, m);
      AdamW adamw = new AdamW(ParameterGroups.reference(true, TrainableParameters.of(detr), 1e-3,
          1e-4), AdamWConfig.DETR, m);
      SetCriterion criterion = new SetCriterion(CriterionConfig.deformableDetr(),
          model.numClasses());
      TrainStep step = new TrainStep(detr, criterion,
          MatchingSource.local(new HungarianMatcher(MatcherConfig.DEFORMABLE_DETR)), adamw, 0.1, 2,
          m);
      var log = step.run(batch, 0);
      assertThat(log.values()).containsKeys("loss_ce_enc", "loss_bbox_enc", "loss_giou_enc",
          "loss_ce", "loss_ce_0");
      assertThat(log.values().get("loss_ce_enc")).isPositive();
      assertThat(Double.isFinite(log.loss())).isTrue();
      assertThat(criterion.weightDict(model.decLayers(), true)).containsKey("loss_giou_enc");
    }
  }

  @Test
  void lossFallsWhenOneBatchIsRepeated(@TempDir Path tmp) throws Exception {
    Path root = tmp.resolve("shapes");
    List<String> sets = new ArrayList<>(tiny(root, tmp.resolve("o")));
    sets.add("model.deformable.with_box_refine=true");
    TrainConfig config = TrainConfig.resolve(JSON.createObjectNode(), sets, "t");
    CocoPaths[] splits = TrainData.openOrGenerate(root, config.synth());
    CocoDataset train = CocoDataset.open(splits[0]);
    Batch batch = new TrainData(train, new TrainTransform(config.augmentation()), 2, 1).batch(0, 0);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Engine.getInstance().setRandomSeed(3);
      DetrConfig model = config.modelFor(train.numClasses());
      DetectionTransformer detr = ModelBuilder.build(model, m);
      AdamW adamw = new AdamW(ParameterGroups.reference(true, TrainableParameters.of(detr), 1e-3,
          1e-4), AdamWConfig.DETR, m);
      TrainStep step = new TrainStep(detr,
          new SetCriterion(CriterionConfig.deformableDetr(), model.numClasses()),
          MatchingSource.local(new HungarianMatcher(MatcherConfig.DEFORMABLE_DETR)), adamw, 0.1, 1,
          m);
      List<Double> losses = new ArrayList<>();
      for (int s = 0; s < 8; s++) {
        losses.add(step.run(batch, s).loss());
      }
      System.out.println("deformable repeated-batch losses: " + losses);
      double lastThree = (losses.get(5) + losses.get(6) + losses.get(7)) / 3;
      assertThat(lastThree).as("mean loss of steps 5-7 against step 0: " + losses)
          .isLessThan(0.85 * losses.get(0));
    }
  }
}

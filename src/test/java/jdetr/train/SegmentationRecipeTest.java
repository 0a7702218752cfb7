package jdetr.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jdetr.checkpoint.ModelWeights;
import jdetr.engine.NamedParameter;
import jdetr.engine.TrainableParameters;
import jdetr.model.Detr;
import jdetr.model.segmentation.DETRsegm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recipe's segmentation keys: masks builds DETRsegm with weighted mask losses, frozen_weights
 * loads a box-only detector, freezes it and leaves only the mask head to the optimizer.
 */
class SegmentationRecipeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The tiny recipe with a model the mask head's GroupNorm(8) plan accepts. */
  private static List<String> segm(Path tmp) {
    List<String> sets = new ArrayList<>(TrainerTest.tiny(tmp.resolve("shapes"), tmp.resolve("run")));
    sets.addAll(List.of("model.hidden_dim=128", "model.nheads=8", "model.masks=true"));
    return sets;
  }

  @Test
  void masksBuildDetrSegmWithWeightedMaskLosses(@TempDir Path tmp) throws Exception {
    List<String> sets = segm(tmp);
    sets.addAll(List.of("mask_loss_coef=2", "dice_loss_coef=3"));
    TrainConfig config = TrainConfig.resolve(JSON.createObjectNode(), sets, "test");
    assertThat(TrainConfig.fromStored(config.toJson().toString()).segmentation())
        .isEqualTo(new SegmentationRecipe(2, 3, null));
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      TrainAssembly run = TrainAssembly.build(config, config.modelFor(3), manager,
          new PrintStream(PrintStream.nullOutputStream()));
      assertThat(run.detr()).isInstanceOf(DETRsegm.class);
      assertThat(run.criterion().weightDict(2)).containsEntry("loss_mask", 2.0)
          .containsEntry("loss_dice", 3.0);
      run.optimizer().close();
    }
  }

  @Test
  void frozenWeightsFreezeTheDetectorAndTrainOnlyTheMaskHead(@TempDir Path tmp) throws Exception {
    Path boxes = tmp.resolve("boxes");
    TrainConfig boxRecipe = TrainConfig.resolve(JSON.createObjectNode(),
        List.of("model.backbone=resnet18", "model.hidden_dim=128", "model.nheads=8",
            "model.enc_layers=1", "model.dec_layers=2", "model.dim_feedforward=64",
            "model.num_queries=6", "model.num_classes=3"), "test");
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Engine.getInstance().setRandomSeed(9);
      ModelWeights.save(boxes, Detr.create(boxRecipe.model(), m), Map.of(1, "a", 2, "b"));
    }
    List<String> sets = segm(tmp);
    sets.addAll(List.of("frozen_weights=" + boxes, "model.num_classes=3"));
    TrainConfig config = TrainConfig.resolve(JSON.createObjectNode(), sets, "test");
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      TrainAssembly run = TrainAssembly.build(config, config.modelFor(3), manager,
          new PrintStream(log, true, StandardCharsets.UTF_8));
      DETRsegm segm = (DETRsegm) run.detr();
      List<NamedParameter> trainable = TrainableParameters.of(segm);
      assertThat(trainable).isNotEmpty().allMatch(p -> p.name().startsWith("bbox_attention.")
          || p.name().startsWith("mask_head."));
      List<String> optimised = new ArrayList<>();
      for (int g = 0; g < run.optimizer().groupCount(); g++) {
        run.optimizer().group(g).parameters().forEach(p -> optimised.add(p.name()));
      }
      assertThat(optimised).containsExactlyElementsOf(trainable.stream().map(NamedParameter::name).toList());
      String text = log.toString(StandardCharsets.UTF_8);
      assertThat(text).contains("segmentation head initialised fresh").contains("detector frozen");
      run.optimizer().close();
    }
  }

  /** conf/detr-r50-segm.json: the reference's second step (masks, 25 epochs, drop at 15, frozen). */
  @Test
  void theSegmentationRecipeIsTheReferencesSecondStep() throws Exception {
    TrainConfig c = TrainConfig.load(Path.of("conf/detr-r50-segm.json"), List.of());
    assertThat(c.model().masks()).isTrue();
    assertThat(List.of(c.epochs(), c.lrDrop())).containsExactly(25, 15);
    assertThat(c.segmentation()).isEqualTo(
        new SegmentationRecipe(1, 1, Path.of("weights/detr-r50-e632da11.pth")));
    assertThat(c.weights()).isNull();
  }

  @Test
  void frozenWeightsAreRefusedWithoutMasksOrBesideWeights(@TempDir Path tmp) {
    assertThatThrownBy(() -> TrainConfig.resolve(JSON.createObjectNode(),
        List.of("frozen_weights=/x"), "test"))
        .hasMessageContaining("Frozen training is meant for segmentation only");
    List<String> both = segm(tmp);
    both.addAll(List.of("frozen_weights=/x", "weights=/y"));
    assertThatThrownBy(() -> TrainConfig.resolve(JSON.createObjectNode(), both, "test"))
        .hasMessageContaining("give one");
    assertThatThrownBy(() -> TrainConfig.resolve(JSON.createObjectNode(),
        List.of("model.architecture=deformable_detr", "model.masks=true"), "test"))
        .hasMessageContaining("DETR only");
  }
}

package jdetr.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jdetr.loss.ClassLoss;
import jdetr.loss.CriterionConfig;
import jdetr.matcher.MatcherConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The recipe's matcher costs and loss coefficients reach the matcher and the criterion. */
class TrainAssemblyTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void recipeKeysReachMatcherAndCriterion(@TempDir Path tmp) throws Exception {
    List<String> sets = new ArrayList<>(TrainerTest.tiny(tmp.resolve("shapes"), tmp.resolve("run")));
    sets.addAll(List.of("set_cost_class=3", "set_cost_bbox=4", "set_cost_giou=1.5",
        "cls_loss_coef=0.5", "bbox_loss_coef=7", "giou_loss_coef=3", "eos_coef=0.2"));
    TrainConfig config = TrainConfig.resolve(JSON.createObjectNode(), sets, "test");
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      TrainAssembly run = TrainAssembly.build(config, config.modelFor(3), manager,
          new PrintStream(PrintStream.nullOutputStream()));
      assertThat(run.matcher()).isEqualTo(new MatcherConfig(3, 4, 1.5, ClassLoss.SOFTMAX_CE));
      CriterionConfig c = run.criterion().config();
      assertThat(List.of(c.ceWeight(), c.bboxWeight(), c.giouWeight(), c.eosCoef()))
          .containsExactly(0.5, 7.0, 3.0, 0.2);
      Map<String, Double> weights = run.criterion().weightDict(2);
      assertThat(weights).containsEntry("loss_ce", 0.5).containsEntry("loss_bbox", 7.0)
          .containsEntry("loss_giou", 3.0).containsEntry("loss_bbox_0", 7.0);
      assertThat(run.trainStep(run.localMatching())).isNotNull();
      run.optimizer().close();
    }
    // stored with the run and read back (resume, stage configs)
    TrainConfig stored = TrainConfig.fromStored(config.toJson().toString());
    assertThat(stored.losses()).isEqualTo(config.losses());
  }

  @Test
  void defaultsAreTheReferenceFlags() {
    TrainConfig detr = TrainConfig.resolve(JSON.createObjectNode(), List.of(), "test");
    assertThat(detr.losses()).isEqualTo(new LossCoefficients(1, 5, 2, 1, 5, 2, 0.1));
    assertThat(detr.losses().matcher(ClassLoss.SOFTMAX_CE)).isEqualTo(MatcherConfig.DETR);
    assertThat(detr.losses().criterion(ClassLoss.SOFTMAX_CE, true))
        .isEqualTo(CriterionConfig.detr());
    TrainConfig deformable = TrainConfig.resolve(JSON.createObjectNode(),
        List.of("model.architecture=deformable_detr"), "test");
    assertThat(deformable.losses()).isEqualTo(new LossCoefficients(2, 5, 2, 2, 5, 2, 0.1));
    assertThat(deformable.losses().matcher(ClassLoss.SIGMOID_FOCAL))
        .isEqualTo(MatcherConfig.DEFORMABLE_DETR);
    assertThat(deformable.losses().criterion(ClassLoss.SIGMOID_FOCAL, true))
        .isEqualTo(CriterionConfig.deformableDetr());
  }

  @Test
  void badCoefficientsNameTheKey() {
    assertThatThrownBy(() -> TrainConfig.resolve(JSON.createObjectNode(),
        List.of("bbox_loss_coef=-1"), "test")).hasMessageContaining("bbox_loss_coef");
    assertThatThrownBy(() -> TrainConfig.resolve(JSON.createObjectNode(),
        List.of("eos_coef=0"), "test")).hasMessageContaining("eos_coef");
    assertThatThrownBy(() -> TrainConfig.resolve(JSON.createObjectNode(),
        List.of("set_cost_class=0", "set_cost_bbox=0", "set_cost_giou=0"), "test"))
        .hasMessageContaining("set_cost_class");
  }
}

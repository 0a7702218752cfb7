package jdetr.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import jdetr.model.Denoising;
import jdetr.model.OneToMany;
import org.junit.jupiter.api.Test;

class TrainConfigTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void defaultsAreTheReferenceArguments() {
    TrainConfig c = TrainConfig.resolve(JSON.createObjectNode(), List.of(), "test");
    assertThat(c.lr()).isEqualTo(1e-4);
    assertThat(c.lrBackbone()).isEqualTo(1e-5);
    assertThat(c.weightDecay()).isEqualTo(1e-4);
    assertThat(c.clipMaxNorm()).isEqualTo(0.1);
    assertThat(c.lrDrop()).isEqualTo(200);
    assertThat(c.epochs()).isEqualTo(300);
    assertThat(c.model().backbone()).isEqualTo("resnet50");
    assertThat(c.numClassesFromData()).isTrue();
    assertThat(c.modelFor(4).numClasses()).isEqualTo(4);
    assertThat(c.augmentation().valSize()).isEqualTo(800);
  }

  @Test
  void recipeIsADiffAndSetOverridesWin() throws Exception {
    ObjectNode recipe = (ObjectNode) JSON.readTree("{\"model\": {\"hidden_dim\": 64, \"num_classes\": 5},"
        + " \"lr\": 2e-4, \"data\": {\"root\": \"d\"}}");
    TrainConfig c = TrainConfig.resolve(recipe,
        List.of("lr=3e-4", "data.root=/tmp/x y", "model.num_queries=7", "weights=w.pth"), "r.json");
    assertThat(c.model().hiddenDim()).isEqualTo(64);
    assertThat(c.model().numQueries()).isEqualTo(7);
    assertThat(c.model().nheads()).isEqualTo(8);
    assertThat(c.numClassesFromData()).isFalse();
    assertThat(c.lr()).isEqualTo(3e-4);
    assertThat(c.dataRoot()).isEqualTo(Path.of("/tmp/x y"));
    assertThat(c.weights()).isEqualTo(Path.of("w.pth"));
    // the stored recipe reproduces the configuration
    assertThat(TrainConfig.resolve(c.toJson(), List.of(), "state.json")).isEqualTo(c);
    assertThatThrownBy(() -> c.modelFor(9)).hasMessageContaining("num_classes 5");
  }

  @Test
  void unknownKeysAndBadValuesAreNamed() throws Exception {
    ObjectNode typo = (ObjectNode) JSON.readTree("{\"learning_rate\": 1}");
    assertThatThrownBy(() -> TrainConfig.resolve(typo, List.of(), "r.json"))
        .hasMessageContaining("r.json").hasMessageContaining("learning_rate");
    assertThatThrownBy(() -> TrainConfig.resolve(JSON.createObjectNode(), List.of("model.widht=3"), "r"))
        .hasMessageContaining("model.widht");
    assertThatThrownBy(() -> TrainConfig.resolve(JSON.createObjectNode(), List.of("lr"), "r"))
        .hasMessageContaining("key=value");
    assertThatThrownBy(() -> TrainConfig.resolve(JSON.createObjectNode(),
        List.of("batch_size=2", "micro_batches=3"), "r")).hasMessageContaining("micro_batches");
    assertThatThrownBy(() -> TrainConfig.resolve(JSON.createObjectNode(), List.of("model.nheads=7"), "r"))
        .hasMessageContaining("nheads");
  }

  @Test
  void shippedRecipesResolve() throws Exception {
    TrainConfig demo = TrainConfig.load(Path.of("conf/shapes-demo.json"), List.of());
    assertThat(demo.model().backbone()).isEqualTo("resnet18");
    assertThat(demo.model().backboneStages()).isEqualTo(3);
    assertThat(demo.synth()).isNotNull();
    assertThat(demo.model().deformable().denoising()).isEqualTo(new Denoising(5, 0.2, 0.4));
    assertThat(demo.model().deformable().mixedQuerySelection()).isTrue();
    assertThat(demo.model().deformable().distinctQueryIou()).isEqualTo(0.5);
    TrainConfig finetune = TrainConfig.load(Path.of("conf/detr-r50-finetune.json"),
        List.of("data.root=DIR", "weights=official.pth"));
    assertThat(finetune.weights()).isEqualTo(Path.of("official.pth"));
    assertThat(finetune.lrBackbone()).isEqualTo(1e-5);
  }

  @Test
  void dinoRecipesTurnTheSwitchesOnAndClassLossIsChecked() throws Exception {
    TrainConfig demo = TrainConfig.load(Path.of("conf/shapes-demo-dino.json"), List.of());
    assertThat(demo.model().deformable().oneToMany()).isEqualTo(new OneToMany(60, 6, 1.0));
    assertThat(demo.model().deformable().lookForwardTwice()).isTrue();
    assertThat(demo.losses().varifocal()).isTrue();
    assertThat(demo.losses().criterion(demo.model().classLoss(), true).varifocal()).isTrue();
    assertThat(TrainConfig.resolve(demo.toJson(), List.of(), "state.json")).isEqualTo(demo);
    TrainConfig plain = TrainConfig.load(Path.of("conf/shapes-demo.json"), List.of());
    assertThat(plain.losses().varifocal()).isFalse();
    assertThat(plain.model().deformable().oneToMany().enabled()).isFalse();
    assertThat(plain.model().deformable().lookForwardTwice()).isFalse();
    TrainConfig dino = TrainConfig.load(Path.of("conf/dino-deformable-r50.json"),
        List.of("data.root=DIR"));
    assertThat(dino.model().numQueries()).isEqualTo(900);
    assertThat(dino.model().deformable().mixedQuerySelection()).isTrue();
    assertThat(dino.model().deformable().denoising()).isEqualTo(new Denoising(5, 0.25, 1.0, true));
    assertThat(dino.lrDrop()).isEqualTo(11);
    assertThat(dino.losses().clsLossCoef()).isEqualTo(1.0);
    assertThat(TrainConfig.load(Path.of("conf/shapes-demo.json"), List.of(
        "loss.class_loss=varifocal", "model.deformable.one_to_many.queries=30",
        "model.deformable.look_forward_twice=true")).model().deformable().oneToMany().queries())
        .isEqualTo(30);
    assertThatThrownBy(() -> TrainConfig.resolve(JSON.createObjectNode(),
        List.of("loss.class_loss=vfl"), "r")).hasMessageContaining("loss.class_loss");
    assertThatThrownBy(() -> TrainConfig.resolve(JSON.createObjectNode(),
        List.of("loss.class_loss=varifocal"), "r").losses().criterion(
            jdetr.loss.ClassLoss.SOFTMAX_CE, true)).hasMessageContaining("varifocal");
  }
}

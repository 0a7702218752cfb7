package jdetr.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import jdetr.checkpoint.ModelWeights;
import jdetr.model.Detr;
import jdetr.model.DetrConfig;
import jdetr.model.StateDict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fine-tuning start: a small official-format checkpoint written by the reference DETR
 * (parity/finetune, ResNet-18, hidden 32, 1+1 layers, 10 queries, 91 classes) loaded for a
 * one-class dataset under the default R50 recipe. Tensor values are checked against the SHA-256
 * digests torch computed when it wrote the file.
 */
class InitialWeightsTest {
  static final Path PTH = InitialWeightsDigests.PTH;

  /** The recipe's model for a dataset whose largest category id is 1 (num_classes 2). */
  static DetrConfig recipeFor(int numClasses) {
    return DetrConfig.defaults().toBuilder().numClasses(numClasses).build();
  }

  static String digest(NDArray a) {
    return InitialWeightsDigests.of(a);
  }

  static Map<String, String> expectedDigests() throws IOException {
    return InitialWeightsDigests.expected();
  }

  @Test
  void checkpointDecidesTheShapesAndTheHeadIsReinitialisedForTheDataset() throws Exception {
    DetrConfig recipe = recipeFor(2);
    Map<String, String> expected = expectedDigests();
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Detr detr;
      StateDict.LoadReport report;
      try (InitialWeights w = InitialWeights.read(PTH, recipe, m)) {
        assertThat(w.saved().numClasses()).isEqualTo(91);
        InitialWeights.Architecture a = w.architecture(recipe);
        assertThat(a.changes()).containsExactly("backbone resnet50 -> resnet18",
            "hidden_dim 256 -> 32", "dim_feedforward 2048 -> 64", "enc_layers 6 -> 1",
            "dec_layers 6 -> 1", "num_queries 100 -> 10");
        assertThat(a.config()).isEqualTo(recipe.toBuilder().backbone("resnet18").hiddenDim(32)
            .dimFeedforward(64).encLayers(1).decLayers(1).numQueries(10).build());
        detr = Detr.create(a.config(), m);
        report = w.loadInto(detr);
        assertThat(w.describe(report, detr.config())).endsWith(
            "loaded; class head re-initialised for 2 classes (the checkpoint has 91)");
      }
      assertThat(report.resetHead()).isEqualTo("class_embed");
      Map<String, NDArray> state = detr.stateDict();
      assertThat(state.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
      int compared = 0;
      for (Map.Entry<String, NDArray> e : state.entrySet()) {
        if (e.getKey().startsWith("class_embed.")) {
          continue;
        }
        assertThat(digest(e.getValue())).as(e.getKey()).isEqualTo(expected.get(e.getKey()));
        compared++;
      }
      assertThat(compared).isEqualTo(expected.size() - 2);
      // [num_classes + 1, hidden]: one class plus the unused id 0 plus no-object
      assertThat(state.get("class_embed.weight").getShape().getShape()).containsExactly(3, 32);
      assertThat(state.get("class_embed.bias").getShape().getShape()).containsExactly(3);
      // nn.Linear's init: weight and bias uniform in ±1/sqrt(fan_in)
      float bound = (float) (1 / Math.sqrt(32));
      for (float v : state.get("class_embed.weight").toFloatArray()) {
        assertThat(Math.abs(v)).isLessThanOrEqualTo(bound);
      }
      assertThat(state.get("class_embed.weight").abs().sum().getFloat()).isPositive();
    }
  }

  @Test
  void sameClassCountLoadsEveryTensorIncludingTheHead() throws Exception {
    Map<String, String> expected = expectedDigests();
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        InitialWeights w = InitialWeights.read(PTH, recipeFor(91), m)) {
      Detr detr = Detr.create(w.architecture(recipeFor(91)).config(), m);
      assertThat(w.loadInto(detr).headReset()).isFalse();
      for (Map.Entry<String, NDArray> e : detr.stateDict().entrySet()) {
        assertThat(digest(e.getValue())).as(e.getKey()).isEqualTo(expected.get(e.getKey()));
      }
    }
  }

  @Test
  void aRecipeValueTheCheckpointCannotHaveIsAnErrorNamingTheKey() throws Exception {
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        InitialWeights w = InitialWeights.read(PTH, recipeFor(2), m)) {
      assertThatThrownBy(() -> w.architecture(recipeFor(2).toBuilder().nheads(64).build()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(PTH.toString())
          .hasMessageContaining("hidden_dim 32 is not divisible by nheads 64")
          .hasMessageContaining("set model.nheads to fit the checkpoint");
      assertThatThrownBy(() -> w.architecture(recipeFor(2).toBuilder().dilation(true).build()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("backbone resnet50 -> resnet18")
          .hasMessageContaining("set model.dilation to fit the checkpoint");
    }
  }

  @Test
  void aWeightsDirectoryAlsoBringsItsHeadCount(@TempDir Path dir) throws Exception {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      DetrConfig recipe = recipeFor(2).toBuilder().nheads(4).build();
      try (InitialWeights w = InitialWeights.read(PTH, recipe, m)) {
        Detr detr = Detr.create(w.architecture(recipe).config(), m);
        w.loadInto(detr);
        ModelWeights.save(dir, detr, Map.of(1, "ellipse"));
      }
      DetrConfig other = recipeFor(2);
      try (InitialWeights w = InitialWeights.read(dir, other, m)) {
        InitialWeights.Architecture a = w.architecture(other);
        assertThat(a.changes()).contains("nheads 8 -> 4", "backbone resnet50 -> resnet18");
        assertThat(a.config().nheads()).isEqualTo(4);
        assertThat(w.loadInto(Detr.create(a.config(), m)).headReset()).isFalse();
      }
    }
  }

  @Test
  void notACheckpointIsNamed(@TempDir Path dir) throws Exception {
    Path bogus = dir.resolve("weights.pth");
    java.nio.file.Files.writeString(bogus, "not a checkpoint");
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      assertThatThrownBy(() -> InitialWeights.read(bogus, recipeFor(2), m))
          .isInstanceOf(IOException.class).hasMessageContaining(bogus.toString());
    }
  }
}

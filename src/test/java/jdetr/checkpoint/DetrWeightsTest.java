package jdetr.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrConfig;
import jdetr.model.ModelBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights from either source: the small official-format checkpoint the reference DETR wrote
 * (parity/finetune: ResNet-18, hidden 32, 1+1 layers, 10 queries, 91 classes) and a jdetr weights
 * directory saved from it, with and without a training run's state.json.
 */
class DetrWeightsTest {
  static final Path PTH = Path.of("src/test/resources/parity/finetune/detr_r18_tiny.pth");

  @Test
  void anOfficialCheckpointTellsItsArchitectureAndCocoNames() throws IOException {
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        DetrWeights w = DetrWeights.read(PTH, DetrConfig.defaults(), m)) {
      assertThat(w.official()).isTrue();
      assertThat(w.config()).isEqualTo(DetrConfig.defaults().toBuilder().backbone("resnet18")
          .hiddenDim(32).dimFeedforward(64).encLayers(1).decLayers(1).numQueries(10).numClasses(91)
          .build());
      assertThat(w.categories()).hasSize(80).containsEntry(1, "person").containsEntry(90, "toothbrush");
      assertThat(w.valSize()).isEmpty();
      assertThat(DetrWeights.valSize(PTH)).isEmpty();
      DetectionTransformer detr = w.build(m);
      assertThat(detr.config()).isEqualTo(w.config());
      assertThat(w.tensorCount()).isEqualTo(detr.stateDict().size());
    }
  }

  @Test
  void aWeightsDirectoryLoadsExactlyAndATrainingCheckpointBringsItsValSize(@TempDir Path dir)
      throws IOException {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      DetectionTransformer saved = DetrWeights.load(PTH, DetrConfig.defaults(), m).detr();
      ModelWeights.save(dir, saved, Map.of(1, "ellipse", 2, "triangle"));
      assertThat(DetrWeights.valSize(dir)).isEmpty();

      DetrWeights.Loaded loaded = DetrWeights.load(dir, DetrConfig.defaults(), m);
      assertThat(loaded.detr().config()).isEqualTo(saved.config());
      assertThat(loaded.categories()).containsExactly(Map.entry(1, "ellipse"), Map.entry(2, "triangle"));
      Map<String, NDArray> a = saved.stateDict();
      Map<String, NDArray> b = loaded.detr().stateDict();
      a.forEach((k, v) -> assertThat(v.contentEquals(b.get(k))).as(k).isTrue());

      Path state = dir.resolve(DetrWeights.TRAINING_STATE);
      Files.writeString(state, "{\"config\": {\"augmentation\": {\"val_size\": 112, \"max_size\": 128}}}");
      try (DetrWeights w = DetrWeights.read(dir, DetrConfig.defaults(), m)) {
        assertThat(w.official()).isFalse();
        assertThat(w.valSize()).contains(new DetrWeights.ValSize(112, 128));
      }
      Files.writeString(state, "{\"config\": {\"augmentation\": {\"max_size\": 128}}}");
      assertThat(DetrWeights.valSize(dir)).contains(new DetrWeights.ValSize(800, 128));
      Files.writeString(state, "{\"config\": {\"augmentation\": {\"val_size\": -3}}}");
      assertThatThrownBy(() -> DetrWeights.valSize(dir)).isInstanceOf(IOException.class)
          .hasMessageContaining(state.toString()).hasMessageContaining("config.augmentation.val_size");
    }
  }

  @Test
  void aModelOfAnotherClassCountTakesTheWeightsOnlyWithTheHeadReset() throws IOException {
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        DetrWeights w = DetrWeights.read(PTH, DetrConfig.defaults(), m)) {
      DetrConfig twoClasses = w.config().toBuilder().numClasses(2).build();
      assertThatThrownBy(() -> w.loadInto(ModelBuilder.build(twoClasses, m), false))
          .isInstanceOf(IOException.class).hasMessageContaining(PTH.toString());
      assertThat(w.loadInto(ModelBuilder.build(twoClasses, m), true).headReset()).isTrue();
    }
  }

  @Test
  void notACheckpointIsNamed(@TempDir Path dir) throws IOException {
    Path bogus = Files.writeString(dir.resolve("weights.pth"), "not a checkpoint");
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      assertThatThrownBy(() -> DetrWeights.read(bogus, DetrConfig.defaults(), m))
          .isInstanceOf(IOException.class).hasMessageContaining(bogus.toString());
      assertThatThrownBy(() -> DetrWeights.read(dir, DetrConfig.defaults(), m))
          .isInstanceOf(IOException.class).hasMessageContaining(ModelWeights.DESCRIPTION);
    }
  }
}

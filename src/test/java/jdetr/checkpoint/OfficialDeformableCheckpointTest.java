package jdetr.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import jdetr.model.DeformableOptions;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrConfig.PositionEmbeddingKind;
import jdetr.model.DetrConfig;
import jdetr.model.ModelBuilder;
import org.junit.jupiter.api.Test;

/** The architecture of a Deformable DETR state dict, read off its names and shapes. */
class OfficialDeformableCheckpointTest {

  static final DetrConfig SMALL = DetrConfig.builder(DetrConfig.Architecture.DEFORMABLE_DETR)
      .backbone("resnet18").hiddenDim(32).nheads(2).encLayers(2).decLayers(3).dimFeedforward(48)
      .numQueries(7).numClasses(5).build();

  @Test
  void readsTheArchitectureOffTheStateDict() {
    DetrConfig[] configs = {
        SMALL,
        SMALL.toBuilder().backbone("resnet34").positionEmbedding(PositionEmbeddingKind.LEARNED)
            .deformable(new DeformableOptions(5, 3, 2, true, false)).build(),
        SMALL.toBuilder().encLayers(1).numQueries(300)
            .deformable(new DeformableOptions(4, 4, 4, true, true)).build(),
        SMALL.toBuilder().deformable(new DeformableOptions(1, 2, 3, false, false)).build()};
    for (DetrConfig config : configs) {
      try (NDManager m = NDManager.newBaseManager("PyTorch")) {
        DetectionTransformer model = ModelBuilder.build(config, m);
        // a DETR base (as the CLI passes) with the heads that shapes cannot tell
        DetrConfig base = DetrConfig.defaults().toBuilder().nheads(2).build();
        assertThat(OfficialCheckpoint.inferConfig(model.stateDict(), base)).isEqualTo(config);
      }
    }
  }

  @Test
  void headsThatDoNotDivideThePointsAreNamed() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      DetectionTransformer model = ModelBuilder.build(SMALL, m); // 2 heads x 4 levels x 4
      DetrConfig base = DetrConfig.defaults().toBuilder().nheads(32).build();
      assertThatThrownBy(() -> OfficialCheckpoint.inferConfig(model.stateDict(), base))
          .hasMessageContaining("attention_weights").hasMessageContaining("32 heads");
    }
  }
}

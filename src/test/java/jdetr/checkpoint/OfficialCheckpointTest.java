package jdetr.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import java.util.HashMap;
import java.util.Map;
import jdetr.model.Detr;
import jdetr.model.DetrConfig;
import jdetr.model.DetrConfig.PositionEmbeddingKind;
import org.junit.jupiter.api.Test;

class OfficialCheckpointTest {

  @Test
  void readsTheArchitectureOffTheStateDict() {
    DetrConfig small = DetrConfig.builder().backbone("resnet18").hiddenDim(32).nheads(4).encLayers(2)
        .decLayers(3).dimFeedforward(48).numQueries(7).numClasses(5).build();
    DetrConfig learnedPreNorm = small.toBuilder().backbone("resnet34").encLayers(1)
        .positionEmbedding(PositionEmbeddingKind.LEARNED).preNorm(true).build();
    for (DetrConfig config : new DetrConfig[] {small, learnedPreNorm}) {
      try (NDManager m = NDManager.newBaseManager("PyTorch")) {
        Detr detr = Detr.create(config, m);
        DetrConfig base = DetrConfig.defaults().toBuilder().nheads(4).build();
        assertThat(OfficialCheckpoint.inferConfig(detr.stateDict(), base)).isEqualTo(config);
      }
    }
  }

  @Test
  void refusesWhatIsNotADetrStateDict() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Map<String, ai.djl.ndarray.NDArray> state = new HashMap<>();
      state.put("fc.weight", m.zeros(new ai.djl.ndarray.types.Shape(2, 2)));
      assertThatThrownBy(() -> OfficialCheckpoint.inferConfig(state, DetrConfig.defaults()))
          .hasMessageContaining("no 'input_proj.weight'");
    }
  }

  @Test
  void cocoNamesFollowTheRawCategoryIds() throws Exception {
    var names = OfficialCheckpoint.cocoNames(91);
    assertThat(names).hasSize(80).containsEntry(1, "person").containsEntry(90, "toothbrush")
        .doesNotContainKey(12);
    assertThat(OfficialCheckpoint.cocoNames(4)).containsOnlyKeys(1, 2, 3);
  }
}

package jdetr.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import jdetr.model.Detr;
import jdetr.model.DetrConfig;
import jdetr.model.NoGrad;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelWeightsTest {

  static final DetrConfig SMALL = DetrConfig.builder().backbone("resnet18").hiddenDim(32)
      .nheads(4).encLayers(1).decLayers(2).dimFeedforward(64).numQueries(5).numClasses(3)
      .positionEmbedding(DetrConfig.PositionEmbeddingKind.LEARNED).preNorm(true).build();

  @TempDir Path dir;

  @Test
  void saveThenLoadIsExact() throws IOException {
    Map<Integer, String> categories = Map.of(1, "square", 2, "circle", 0, "N/A");
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        NoGrad g = NoGrad.enter()) {
      Engine.getInstance().setRandomSeed(5);
      Detr saved = Detr.create(SMALL, m);
      ModelWeights.save(dir, saved, categories);
      assertThat(dir.resolve(ModelWeights.TENSORS)).exists();
      assertThat(dir.resolve(ModelWeights.DESCRIPTION)).exists();

      DetrWeights.Loaded loaded;
      try (NDManager other = NDManager.newBaseManager("PyTorch")) {
        Engine.getInstance().setRandomSeed(6);
        loaded = DetrWeights.load(dir, DetrConfig.defaults(), other);
        assertThat(loaded.detr().config()).isEqualTo(SMALL);
        assertThat(loaded.categories()).containsExactly(Map.entry(0, "N/A"),
            Map.entry(1, "square"), Map.entry(2, "circle"));
        Map<String, NDArray> a = saved.stateDict();
        Map<String, NDArray> b = loaded.detr().stateDict();
        assertThat(b.keySet()).containsExactlyElementsOf(a.keySet());
        a.forEach((k, v) -> assertThat(v.contentEquals(b.get(k))).as(k).isTrue());
        NDArray images = m.randomNormal(new Shape(1, 3, 64, 64));
        NDArray mask = m.zeros(new Shape(1, 64, 64), DataType.BOOLEAN);
        NDArray expected = saved.forward(images, mask, false).logits();
        NDArray actual = loaded.detr().forward(images.duplicate(), mask, false).logits();
        assertThat(actual.toFloatArray()).containsExactly(expected.toFloatArray());
      }
    }
  }

  @Test
  void aTamperedOrIncompleteSaveIsReported() throws IOException {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Detr detr = Detr.create(SMALL, m);
      ModelWeights.save(dir, detr, Map.of(1, "a"));
      try (RandomAccessFile f = new RandomAccessFile(dir.resolve(ModelWeights.TENSORS).toFile(),
          "rw")) {
        f.seek(f.length() - 3);
        f.write(0x7f);
      }
      assertThatThrownBy(() -> DetrWeights.load(dir, DetrConfig.defaults(), m))
          .isInstanceOf(IOException.class).hasMessageContaining("SHA-256");
      Files.delete(dir.resolve(ModelWeights.DESCRIPTION));
      assertThatThrownBy(() -> DetrWeights.load(dir, DetrConfig.defaults(), m))
          .hasMessageContaining(ModelWeights.DESCRIPTION).hasMessageContaining("missing");
    }
  }

  @Test
  void configJsonUsesTheReferenceNamesAndRejectsUnknownFields() {
    assertThat(SMALL.toJson().get("position_embedding").asText()).isEqualTo("learned");
    assertThat(SMALL.toJson().get("pre_norm").asBoolean()).isTrue();
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    assertThat(DetrConfig.fromJson(json.createObjectNode().put("num_queries", 300)).numQueries())
        .isEqualTo(300);
    assertThatThrownBy(() -> DetrConfig.fromJson(json.createObjectNode().put("hiden_dim", 3)))
        .hasMessageContaining("unknown field 'hiden_dim'");
    assertThatThrownBy(() -> DetrConfig.fromJson(json.createObjectNode().put("nheads", 7)))
        .hasMessageContaining("nheads");
  }
}

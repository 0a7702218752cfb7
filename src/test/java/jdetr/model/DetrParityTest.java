package jdetr.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import jdetr.checkpoint.Safetensors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Same weights and inputs as the reference DETR (fixtures from generate_model_fixtures.py):
 * backbone features, padding mask, position encodings and all decoder layers' logits and boxes
 * must agree within 1e-4.
 */
class DetrParityTest {

  @ParameterizedTest
  @ValueSource(strings = {"r50_sine", "r50_learned", "r50_prenorm", "r50_dc5", "r50_batch_padded"})
  void matchesTheReference(String name) throws IOException {
    compareCase(ParityFixture.DIR, name, null, ParityFixture.TOLERANCE);
  }

  /**
   * Builds the case's model, loads its weights (regenerated from the recipe, or read from
   * {@code weightsFile} when given), runs it and compares with the recorded outputs.
   */
  static void compareCase(Path dir, String name, Path weightsFile, double tol) throws IOException {
    JsonNode meta = new ObjectMapper().readTree(dir.resolve(name + ".json").toFile());
    DetrConfig config = new ObjectMapper().treeToValue(meta.get("config"), DetrConfig.class);
    Engine.getInstance().setRandomSeed(0);
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        NoGrad g = NoGrad.enter()) {
      Detr detr = Detr.create(config, m);
      Map<String, NDArray> weights = weightsFile == null
          ? HashedWeights.materialize(meta.get("weights"), m)
          : Safetensors.read(weightsFile, m).tensors();
      StateDict.LoadReport report = detr.loadStateDict(weights, false);
      assertThat(report.headReset()).isFalse();
      Map<String, NDArray> ref = Safetensors.read(dir.resolve(name + ".safetensors"), m).tensors();
      NDArray images = ref.get("images");
      NDArray mask = ref.get("mask");

      Joiner.Output features = detr.backbone().forward(images, mask);
      ParityFixture.assertClose(name + " backbone features", features.last().features(),
          ref.get("features"), tol);
      assertThat(features.last().mask().toBooleanArray()).as(name + " feature mask")
          .containsExactly(ref.get("feature_mask").toBooleanArray());
      ParityFixture.assertClose(name + " position encoding", features.lastPosition(),
          ref.get("pos"), tol);

      DetrOutput out = detr.forward(features, false);
      NDArray logits = ref.get("logits");
      NDArray boxes = ref.get("boxes");
      for (int l = 0; l < out.numLayers(); l++) {
        String tag = l == out.numLayers() - 1 ? "final" : "aux " + l;
        ParityFixture.assertClose(name + " logits " + tag, out.layerLogits(l), logits.get(l), tol);
        ParityFixture.assertClose(name + " boxes " + tag, out.layerBoxes(l), boxes.get(l), tol);
      }
      assertThat(out.predLogits().getShape().getShape())
          .containsExactly(images.getShape().get(0), config.numQueries(), config.numClasses() + 1L);
    }
  }
}

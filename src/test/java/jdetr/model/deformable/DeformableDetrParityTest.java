package jdetr.model.deformable;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jdetr.checkpoint.Safetensors;
import jdetr.model.DetrConfig;
import jdetr.model.DetrOutput;
import jdetr.model.HashedWeights;
import jdetr.model.NoGrad;
import jdetr.model.ParityFixture;
import jdetr.model.StateDict;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Same weights and inputs as the reference Deformable DETR (fixtures from
 * generate_deformable_fixtures.py, two padded images of different sizes):
 *
 * <ul>
 *   <li>the deformable transformer and heads, given the reference's own multi-scale features,
 *       masks and positions: encoder memory, every decoder layer's logits and boxes and the
 *       two-stage proposals within 1e-5;
 *   <li>the whole model from the images: masks equal, positions within 1e-5, projected features,
 *       memory and outputs within 1e-4 (the ResNet-50's float32 rounding, 1e-6 relative, passes
 *       through GroupNorm and the attention).
 * </ul>
 */
class DeformableDetrParityTest {

  static final Path DIR = Path.of("src/test/resources/parity/deformable");
  static final double TOLERANCE = 1e-5;
  static final double END_TO_END_TOLERANCE = 1e-4;

  @ParameterizedTest
  @ValueSource(strings = {"r50_base", "r50_refine", "r50_single_scale", "r50_five_levels_learned",
      "r50_two_stage"})
  void matchesTheReference(String name) throws IOException {
    JsonNode meta = new ObjectMapper().readTree(DIR.resolve(name + ".json").toFile());
    DetrConfig config = DetrConfig.fromJson(meta.get("config"));
    Engine.getInstance().setRandomSeed(0);
    try (NDManager m = NDManager.newBaseManager("PyTorch"); NoGrad g = NoGrad.enter()) {
      DeformableDetr model = DeformableDetr.create(config, m);
      StateDict.LoadReport report =
          model.loadStateDict(HashedWeights.materialize(meta.get("weights"), m), false);
      assertThat(report.headReset()).isFalse();
      Map<String, NDArray> ref = Safetensors.read(DIR.resolve(name + ".safetensors"), m).tensors();
      int levels = config.deformable().numFeatureLevels();

      List<NDArray> srcs = new ArrayList<>();
      List<NDArray> masks = new ArrayList<>();
      List<NDArray> positions = new ArrayList<>();
      for (int l = 0; l < levels; l++) {
        srcs.add(ref.get("src_" + l));
        masks.add(ref.get("mask_" + l));
        positions.add(ref.get("pos_" + l));
      }
      DeformableTransformer.Output t =
          model.transform(new DeformableDetr.MultiScaleFeatures(srcs, masks, positions), false);
      compareOutputs(name, config, model.heads(t), t, ref, TOLERANCE);

      DeformableDetr.MultiScaleFeatures f =
          model.multiScaleFeatures(ref.get("images"), ref.get("mask"), false);
      assertThat(f.srcs()).hasSize(levels);
      for (int l = 0; l < levels; l++) {
        assertThat(f.masks().get(l).toBooleanArray()).as(name + " mask " + l)
            .containsExactly(ref.get("mask_" + l).toBooleanArray());
        ParityFixture.assertClose(name + " pos " + l, f.positions().get(l), ref.get("pos_" + l),
            TOLERANCE);
        // GroupNorm over fewer than 16 values (a 1x1 level: 2 channels per group at width 64)
        // magnifies the backbone's rounding; such a level gets a looser bound
        Shape s = f.srcs().get(l).getShape();
        long perGroup = s.size() / s.get(0) / 32;
        ParityFixture.assertClose(name + " src " + l, f.srcs().get(l), ref.get("src_" + l),
            perGroup < 16 ? 1e-3 : END_TO_END_TOLERANCE);
      }
      DeformableTransformer.Output full = model.transform(f, false);
      compareOutputs(name + " end-to-end", config, model.heads(full), full, ref,
          END_TO_END_TOLERANCE);
    }
  }

  private static void compareOutputs(String name, DetrConfig config, DetrOutput out,
      DeformableTransformer.Output t, Map<String, NDArray> ref, double tol) {
    ParityFixture.assertClose(name + " memory", t.memory(), ref.get("memory"), tol);
    NDArray logits = ref.get("logits");
    NDArray boxes = ref.get("boxes");
    int layers = out.numLayers();
    assertThat(layers).isEqualTo(config.decLayers());
    for (int l = 0; l < layers; l++) {
      String tag = l == layers - 1 ? "final" : "aux " + l;
      ParityFixture.assertClose(name + " logits " + tag, out.layerLogits(l),
          logits.get(l), tol);
      ParityFixture.assertClose(name + " boxes " + tag, out.layerBoxes(l),
          boxes.get(l), tol);
    }
    assertThat(out.hasProposals()).isEqualTo(config.deformable().twoStage());
    if (out.hasProposals()) {
      ParityFixture.assertClose(name + " encoder logits", out.encLogits(), ref.get("enc_logits"),
          tol);
      ParityFixture.assertClose(name + " encoder boxes", out.encBoxes(), ref.get("enc_boxes"),
          tol);
    }
  }
}

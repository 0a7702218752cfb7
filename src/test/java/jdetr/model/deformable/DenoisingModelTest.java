package jdetr.model.deformable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.SplittableRandom;
import jdetr.data.Target;
import jdetr.engine.NamedParameter;
import jdetr.engine.TrainableParameters;
import jdetr.model.DeformableOptions;
import jdetr.model.Denoising;
import jdetr.model.DetrConfig;
import jdetr.model.DetrOutput;
import jdetr.model.NoGrad;
import org.junit.jupiter.api.Test;

/**
 * Two-stage Deformable DETR with denoising queries: the matching queries' predictions are those of
 * the model without them, the groups are independent, and the option's configuration and weights.
 */
class DenoisingModelTest {

  private static final Denoising TWO_GROUPS = new Denoising(2, 0.2, 0.4);
  private static final DetrConfig DN = DeformableDetrBehaviourTest.SMALL.toBuilder()
      .deformable(new DeformableOptions(4, 4, 4, true, true, TWO_GROUPS)).build();

  private static final List<Target> TARGETS = List.of(
      Target.of(new int[] {3, 1}, new float[] {0.5f, 0.5f, 0.2f, 0.4f, 0.2f, 0.7f, 0.3f, 0.2f}),
      Target.of(new int[] {2}, new float[] {0.3f, 0.4f, 0.2f, 0.3f}));

  @Test
  void matchingQueriesPredictAsWithoutDenoisingAndGroupsAreIndependent() {
    try (NDManager m = NDManager.newBaseManager("PyTorch"); NoGrad g = NoGrad.enter()) {
      Engine.getInstance().setRandomSeed(5);
      DeformableDetr model = DeformableDetr.create(DN, m);
      // away from the initialisation, whose zero attention offsets hide little
      for (NamedParameter p : TrainableParameters.of(model)) {
        p.array().addi(m.randomUniform(-0.05f, 0.05f, p.array().getShape()));
      }
      NDArray images = m.randomNormal(new Shape(2, 3, 96, 80));
      boolean[] padding = new boolean[2 * 96 * 80];
      for (int i = 96 * 80 + 60 * 80; i < padding.length; i++) {
        padding[i] = true;
      }
      NDArray mask = m.create(padding, new Shape(2, 96, 80));
      DenoisingQueries dn = DenoisingQueries.draw(TARGETS, TWO_GROUPS, 5, uniforms(8, 1));

      DetrOutput plain = model.forward(images, mask, true);
      DetrOutput with = model.forward(images, mask, dn);
      assertThat(plain.hasDenoising()).isFalse();
      assertThat(with.logits().getShape()).isEqualTo(new Shape(2, 2, 6, 5));
      assertThat(with.dnLogits().getShape()).isEqualTo(new Shape(2, 2, 4, 5));
      assertThat(with.dnBoxes().getShape()).isEqualTo(new Shape(2, 2, 4, 4));
      assertThat(maxDiff(plain.logits(), with.logits())).isLessThanOrEqualTo(1e-5f);
      assertThat(maxDiff(plain.boxes(), with.boxes())).isLessThanOrEqualTo(1e-6f);
      assertThat(maxDiff(plain.encLogits(), with.encLogits())).isEqualTo(0f);

      // other labels and boxes in group 1 change group 1's predictions, not group 0's
      int[] labels = dn.labels().clone();
      float[] boxes = dn.boxes().clone();
      for (int i = 0; i < 2; i++) {
        for (int slot = 0; slot < 2; slot++) {
          int q = i * 4 + 2 + slot;
          labels[q] = labels[q] < 0 ? -1 : (labels[q] + 1) % 5;
          boxes[4 * q] = Math.min(1f, boxes[4 * q] + 0.2f);
        }
      }
      DetrOutput moved = model.forward(images, mask,
          new DenoisingQueries(2, 2, 2, labels, boxes));
      assertThat(maxDiff(with.dnLogits().get(":, :, :2"), moved.dnLogits().get(":, :, :2")))
          .isLessThanOrEqualTo(1e-5f);
      assertThat(maxDiff(with.dnBoxes().get(":, :, :2"), moved.dnBoxes().get(":, :, :2")))
          .isLessThanOrEqualTo(1e-6f);
      assertThat(maxDiff(with.dnBoxes().get(":, :, 2:"), moved.dnBoxes().get(":, :, 2:")))
          .isGreaterThan(1e-3f);
      assertThat(maxDiff(with.logits(), moved.logits())).isLessThanOrEqualTo(1e-5f);
    }
  }

  @Test
  void onlyTwoStageTakesDenoisingAndPartialJsonKeepsTheDefaults() {
    assertThatThrownBy(() -> new DeformableOptions(4, 4, 4, true, false, TWO_GROUPS))
        .hasMessageContaining("denoising").hasMessageContaining("two_stage");
    assertThatThrownBy(() -> new Denoising(-1, 0.2, 0.4)).hasMessageContaining("denoising.groups");
    assertThatThrownBy(() -> new Denoising(1, 1.5, 0.4))
        .hasMessageContaining("denoising.label_noise");
    ObjectMapper json = new ObjectMapper();
    var node = json.createObjectNode().put("architecture", "deformable_detr");
    node.set("deformable", json.createObjectNode().put("with_box_refine", true)
        .put("two_stage", true).set("denoising", json.createObjectNode().put("groups", 3)));
    DetrConfig c = DetrConfig.fromJson(node);
    assertThat(c.deformable().denoising()).isEqualTo(new Denoising(3, 0.2, 0.4));
    assertThat(DetrConfig.fromJson(c.toJson())).isEqualTo(c);
    ((com.fasterxml.jackson.databind.node.ObjectNode) node.get("deformable").get("denoising"))
        .put("contrastive", true);
    assertThat(DetrConfig.fromJson(node).deformable().denoising())
        .isEqualTo(new Denoising(3, 0.2, 0.4, true));
    assertThat(DetrConfig.defaults(DetrConfig.Architecture.DEFORMABLE_DETR).deformable()
        .denoising().enabled()).isFalse();
  }

  @Test
  void labelEmbeddingIsKeptFreshWhenTheHeadMayBeReset() {
    try (NDManager m = NDManager.newBaseManager("PyTorch"); NoGrad g = NoGrad.enter()) {
      DeformableDetr plain = DeformableDetr.create(DN.toBuilder()
          .deformable(new DeformableOptions(4, 4, 4, true, true)).numClasses(91).build(), m);
      DeformableDetr mine = DeformableDetr.create(DN, m);
      assertThat(mine.stateDict().get("label_enc.weight").getShape()).isEqualTo(new Shape(5, 32));
      assertThat(plain.stateDict()).doesNotContainKey("label_enc.weight");
      float[] fresh = mine.stateDict().get("label_enc.weight").toFloatArray();
      assertThatThrownBy(() -> mine.loadStateDict(plain.stateDict(), false))
          .hasMessageContaining("label_enc.weight");
      mine.loadStateDict(plain.stateDict(), true);
      assertThat(mine.stateDict().get("label_enc.weight").toFloatArray()).containsExactly(fresh);
      // a model without denoising queries refuses them
      assertThatThrownBy(() -> plain.forward(m.zeros(new Shape(2, 3, 64, 64)),
          m.zeros(new Shape(2, 64, 64), DataType.BOOLEAN),
          DenoisingQueries.draw(TARGETS, TWO_GROUPS, 91, uniforms(8, 2))))
          .hasMessageContaining("without denoising");
    }
  }

  private static float[] uniforms(int queries, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] u = new float[queries * DenoisingQueries.UNIFORMS_PER_QUERY];
    for (int i = 0; i < u.length; i++) {
      u[i] = (float) r.nextDouble();
    }
    return u;
  }

  private static float maxDiff(NDArray a, NDArray b) {
    return a.sub(b).abs().max().getFloat();
  }
}

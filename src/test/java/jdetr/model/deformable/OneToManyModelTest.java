package jdetr.model.deformable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
import jdetr.model.OneToMany;
import org.junit.jupiter.api.Test;

/**
 * The one-to-many queries of hybrid matching: the self-attention mask between the query groups,
 * and a model whose one-to-one predictions do not see the one-to-many (or denoising) queries.
 */
class OneToManyModelTest {

  private static final Denoising TWO_GROUPS = new Denoising(2, 0.2, 0.4);
  private static final OneToMany EIGHT = new OneToMany(8, 3, 1.0);
  private static final DetrConfig HYBRID = DeformableDetrBehaviourTest.SMALL.toBuilder()
      .deformable(new DeformableOptions(4, 4, 4, true, true, TWO_GROUPS, EIGHT, false)).build();
  private static final List<Target> TARGETS = List.of(
      Target.of(new int[] {3, 1}, new float[] {0.5f, 0.5f, 0.2f, 0.4f, 0.2f, 0.7f, 0.3f, 0.2f}),
      Target.of(new int[] {2}, new float[] {0.3f, 0.4f, 0.2f, 0.3f}));

  @Test
  void groupsSeeOnlyThemselvesAndDenoisingAlsoSeesTheOneToOneQueries() {
    // Q = 2, N = 2, two denoising groups of one slot: queries o o m m d d
    boolean[] b = new QueryGroups(2, 2, 2, 1).blocked();
    String[] expected = {
        "..XXXX", // one-to-one: one-to-one only
        "..XXXX",
        "XX..XX", // one-to-many: one-to-many only
        "XX..XX",
        "..XX.X", // denoising group 0: one-to-one and itself
        "..XXX.", // denoising group 1
    };
    for (int row = 0; row < 6; row++) {
      StringBuilder s = new StringBuilder();
      for (int col = 0; col < 6; col++) {
        s.append(b[row * 6 + col] ? 'X' : '.');
      }
      assertThat(s.toString()).as("row " + row).isEqualTo(expected[row]);
    }
    // without one-to-many queries, the denoising rules are the ones DenoisingQueries had
    DenoisingQueries dn = new DenoisingQueries(1, 2, 1, new int[] {0, 0}, new float[8]);
    assertThat(dn.blocked(2)).containsExactly(new QueryGroups(2, 0, 2, 1).blocked());
  }

  @Test
  void oneToOnePredictionsAreThoseOfInferenceWhateverTheOtherGroupsHold() {
    try (NDManager m = NDManager.newBaseManager("PyTorch"); NoGrad g = NoGrad.enter()) {
      Engine.getInstance().setRandomSeed(7);
      DeformableDetr model = DeformableDetr.create(HYBRID, m);
      for (NamedParameter p : TrainableParameters.of(model)) { // away from the initialisation
        p.array().addi(m.randomUniform(-0.05f, 0.05f, p.array().getShape()));
      }
      NDArray images = m.randomNormal(new Shape(2, 3, 96, 80));
      NDArray mask = m.zeros(new Shape(2, 96, 80), ai.djl.ndarray.types.DataType.BOOLEAN);
      DenoisingQueries dn = DenoisingQueries.draw(TARGETS, TWO_GROUPS, 5, uniforms(8, 1));

      DetrOutput inference = model.forward(images, mask, true);
      DetrOutput hybrid = model.forward(images, mask, (DenoisingQueries) null);
      DetrOutput all = model.forward(images, mask, dn);
      assertThat(inference.hasOneToMany()).isFalse();
      assertThat(hybrid.oneToManyLogits().getShape()).isEqualTo(new Shape(2, 2, 8, 5));
      assertThat(hybrid.oneToManyBoxes().getShape()).isEqualTo(new Shape(2, 2, 8, 4));
      assertThat(hybrid.hasDenoising()).isFalse();
      assertThat(all.dnLogits().getShape()).isEqualTo(new Shape(2, 2, 4, 5));
      assertThat(hybrid.logits().getShape()).isEqualTo(inference.logits().getShape());
      // one-to-one: the same with or without 8 more queries and the denoising ones beside them
      assertThat(maxDiff(inference.logits(), hybrid.logits())).isLessThanOrEqualTo(1e-5f);
      assertThat(maxDiff(inference.boxes(), hybrid.boxes())).isLessThanOrEqualTo(1e-6f);
      assertThat(maxDiff(inference.logits(), all.logits())).isLessThanOrEqualTo(1e-5f);
      // one-to-many: not changed by the denoising queries either
      assertThat(maxDiff(hybrid.oneToManyLogits(), all.oneToManyLogits()))
          .isLessThanOrEqualTo(1e-5f);
      // ...but other queries: the next proposals, not copies of the one-to-one queries
      assertThat(maxDiff(hybrid.oneToManyLogits().get(":, :, :6"), hybrid.logits()))
          .isGreaterThan(1e-3f);
      // the mask is what keeps them apart: decoded as one group, the one-to-one output moves
      DeformableDetr.MultiScaleFeatures f = model.multiScaleFeatures(images, mask, true);
      DeformableTransformer.Output open = model.transformer().forward(f.srcs(), f.masks(),
          f.positions(), null, 8, null, null, true);
      NDArray leaked = model.heads(open).logits().get(":, :, :6");
      assertThat(maxDiff(inference.logits(), leaked)).isGreaterThan(1e-4f);
    }
  }

  @Test
  void optionsNeedTwoStageAndReadFromJson() {
    assertThatThrownBy(() -> new DeformableOptions(4, 4, 4, true, false, Denoising.off(), EIGHT,
        false)).hasMessageContaining("one_to_many").hasMessageContaining("two_stage");
    assertThatThrownBy(() -> new OneToMany(4, 0, 1.0)).hasMessageContaining("one_to_many.k");
    ObjectMapper json = new ObjectMapper();
    var node = json.createObjectNode().put("architecture", "deformable_detr");
    node.set("deformable", json.createObjectNode().put("with_box_refine", true)
        .put("two_stage", true).set("one_to_many", json.createObjectNode().put("queries", 30)
            .put("k", 4).put("weight", 0.5)));
    DetrConfig c = DetrConfig.fromJson(node);
    assertThat(c.deformable().oneToMany()).isEqualTo(new OneToMany(30, 4, 0.5));
    assertThat(DetrConfig.fromJson(c.toJson())).isEqualTo(c);
    assertThat(DetrConfig.defaults(DetrConfig.Architecture.DEFORMABLE_DETR).deformable()
        .oneToMany().enabled()).isFalse();
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

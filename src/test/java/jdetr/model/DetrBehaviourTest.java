package jdetr.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Loading rules, class-head reset, train/eval mode and frozen parts on a small DETR. */
class DetrBehaviourTest {

  static final DetrConfig SMALL = DetrConfig.builder().backbone("resnet18").hiddenDim(32)
      .nheads(4).encLayers(1).decLayers(2).dimFeedforward(64).numQueries(5).numClasses(3).build();

  @Test
  void strictLoadListsMissingUnexpectedAndMisshapedKeys() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Detr detr = Detr.create(SMALL, m);
      Map<String, NDArray> state = copyOf(detr.stateDict(), m);
      state.remove("transformer.decoder.norm.weight");
      state.put("transformer.encoder.norm.weight", m.ones(new Shape(32)));
      state.put("query_embed.weight", m.zeros(new Shape(6, 32)));
      state.put("backbone.0.body.bn1.num_batches_tracked", m.create(0L));
      float before = detr.stateDict().get("input_proj.bias").getFloat(0);
      assertThatThrownBy(() -> detr.loadStateDict(state, true))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("missing (1): transformer.decoder.norm.weight")
          .hasMessageContaining("unexpected (1): transformer.encoder.norm.weight")
          .hasMessageContaining("query_embed.weight (model (5, 32), state (6, 32))")
          .message().doesNotContain("num_batches_tracked");
      // Nothing was copied by the failed load.
      assertThat(detr.stateDict().get("input_proj.bias").getFloat(0)).isEqualTo(before);
    }
  }

  @Test
  void anotherClassCountResetsOnlyTheClassHead() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Engine.getInstance().setRandomSeed(1);
      Detr source = Detr.create(SMALL.toBuilder().numClasses(91).build(), m);
      Map<String, NDArray> state = copyOf(source.stateDict(), m);
      state.put("backbone.0.body.bn1.num_batches_tracked", m.create(7L));
      Detr target = Detr.create(SMALL, m);
      NDArray headBefore = target.stateDict().get("class_embed.weight").duplicate();

      assertThatThrownBy(() -> target.loadStateDict(state, false))
          .hasMessageContaining("class_embed.weight (model (4, 32), state (92, 32))");
      StateDict.LoadReport report = target.loadStateDict(state, true);

      assertThat(report.resetHead()).isEqualTo("class_embed");
      assertThat(report.ignoredKeys()).containsExactly("backbone.0.body.bn1.num_batches_tracked");
      Map<String, NDArray> loaded = target.stateDict();
      for (Map.Entry<String, NDArray> e : loaded.entrySet()) {
        if (!e.getKey().startsWith("class_embed.")) {
          assertThat(e.getValue().contentEquals(state.get(e.getKey()))).as(e.getKey()).isTrue();
        }
      }
      NDArray head = loaded.get("class_embed.weight");
      assertThat(head.getShape()).isEqualTo(new Shape(4, 32));
      assertThat(head.contentEquals(headBefore)).as("re-initialized with fresh values").isFalse();
      float bound = (float) (1 / Math.sqrt(32));
      assertThat(head.abs().max().getFloat()).isLessThanOrEqualTo(bound);
      assertThat(head.abs().max().getFloat()).isGreaterThan(bound / 2);
      // Without a class head at all (the usual fine-tuning recipe deletes it) the same happens.
      state.remove("class_embed.weight");
      state.remove("class_embed.bias");
      assertThat(target.loadStateDict(state, true).headReset()).isTrue();
    }
  }

  @Test
  void dropoutOnlyInTrainingAndGradientsOnlyForTrainableParts() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Engine.getInstance().setRandomSeed(3);
      Detr detr = Detr.create(SMALL, m);
      NDArray images = m.randomNormal(new Shape(1, 3, 64, 64));
      NDArray mask = m.zeros(new Shape(1, 64, 64), ai.djl.ndarray.types.DataType.BOOLEAN);
      try (NoGrad g = NoGrad.enter()) {
        NDArray eval1 = detr.forward(images, mask, false).logits();
        NDArray eval2 = detr.forward(images, mask, false).logits();
        NDArray train1 = detr.forward(images, mask, true).logits();
        assertThat(eval1.contentEquals(eval2)).isTrue();
        assertThat(ParityFixture.maxAbsDiff(eval1, train1)).isGreaterThan(1e-4);
      }
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        DetrOutput out = detr.forward(images, mask, true);
        gc.backward(out.logits().sum().add(out.boxes().sum()));
      }
      Map<String, Parameter> params = detr.namedParameters();
      assertThat(params.get("backbone.0.body.conv1.weight").requiresGradient()).isFalse();
      assertThat(params.get("backbone.0.body.layer1.0.conv1.weight").requiresGradient()).isFalse();
      assertThat(params.get("backbone.0.body.layer2.0.bn1.weight").requiresGradient()).isFalse();
      assertThat(params.get("backbone.0.body.layer1.0.conv1.weight").getArray().hasGradient())
          .isFalse();
      for (String trained : new String[] {"backbone.0.body.layer2.0.conv1.weight",
          "backbone.0.body.layer4.1.conv2.weight", "input_proj.weight", "query_embed.weight",
          "transformer.encoder.layers.0.self_attn.in_proj_weight", "class_embed.bias",
          "bbox_embed.layers.2.weight"}) {
        NDArray grad = params.get(trained).getArray().getGradient();
        assertThat(grad.abs().sum().getFloat()).as(trained).isGreaterThan(0f);
      }
    }
  }

  @Test
  void configRejectsInconsistentValuesNamingTheField() {
    assertThatThrownBy(() -> DetrConfig.builder().hiddenDim(30).nheads(8).build())
        .hasMessageContaining("nheads");
    assertThatThrownBy(() -> DetrConfig.builder().backbone("resnet18").dilation(true).build())
        .hasMessageContaining("dilation");
    assertThatThrownBy(() -> DetrConfig.builder().backbone("vgg16").build())
        .hasMessageContaining("backbone");
    DetrConfig d = DetrConfig.defaults();
    assertThat(d.hiddenDim()).isEqualTo(256);
    assertThat(d.numQueries()).isEqualTo(100);
    assertThat(d.numClasses()).isEqualTo(91);
    assertThat(d.auxLoss()).isTrue();
  }

  static Map<String, NDArray> copyOf(Map<String, NDArray> state, NDManager m) {
    Map<String, NDArray> out = new LinkedHashMap<>();
    state.forEach((k, v) -> {
      NDArray c = v.duplicate();
      c.attach(m);
      out.put(k, c);
    });
    return out;
  }
}

package jdetr.model.deformable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdetr.autograd.CollectedJavaMemory;
import jdetr.engine.NamedParameter;
import jdetr.engine.TrainableParameters;
import jdetr.model.DeformableOptions;
import jdetr.model.DetrConfig;
import jdetr.model.DetrOutput;
import jdetr.model.ModelBuilder;
import jdetr.model.NoGrad;
import org.junit.jupiter.api.Test;

/** Deformable DETR's names, trainability, gradients, head reset and configuration. */
class DeformableDetrBehaviourTest {

  static final DetrConfig SMALL = DetrConfig.builder(DetrConfig.Architecture.DEFORMABLE_DETR)
      .backbone("resnet18").hiddenDim(32).nheads(2).encLayers(1).decLayers(2).dimFeedforward(32)
      .numQueries(6).numClasses(5).dropout(0).build();

  @Test
  void stateDictNamesShapesAndTrainabilityEqualTheReference() throws IOException {
    ObjectMapper json = new ObjectMapper();
    JsonNode all = json.readTree(
        DeformableDetrParityTest.DIR.resolve("state_dict_keys.json").toFile());
    assertThat(all.size()).isEqualTo(5);
    for (Iterator<Map.Entry<String, JsonNode>> it = all.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      DetrConfig config = DetrConfig.fromJson(e.getValue().get("config"));
      List<String> expected = new ArrayList<>();
      for (JsonNode k : e.getValue().get("keys")) {
        expected.add(k.get(0).asText() + " " + k.get(1) + " trainable=" + k.get(2).asBoolean());
      }
      try (NDManager m = NDManager.newBaseManager("PyTorch")) {
        DeformableDetr model = DeformableDetr.create(config, m);
        List<String> actual = new ArrayList<>();
        for (Map.Entry<String, Parameter> p : model.namedParameters().entrySet()) {
          actual.add(p.getKey() + " " + json.valueToTree(p.getValue().getShape().getShape())
              + " trainable=" + p.getValue().requiresGradient());
        }
        assertThat(actual).as(e.getKey()).containsExactlyElementsOf(expected);
        List<String> trainable = new ArrayList<>();
        e.getValue().get("trainable").forEach(n -> trainable.add(n.asText()));
        assertThat(TrainableParameters.of(model)).extracting(NamedParameter::name)
            .as(e.getKey() + " optimised parameters").containsExactlyElementsOf(trainable);
      }
    }
  }

  @Test
  void sharedHeadsAreOneArrayAndRefinedHeadsStartAsCopies() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      DeformableDetr shared = DeformableDetr.create(SMALL, m);
      Map<String, NDArray> s = shared.stateDict();
      assertThat(s.get("class_embed.0.weight")).isSameAs(s.get("class_embed.1.weight"));
      assertThat(s.get("bbox_embed.1.layers.2.bias").toFloatArray())
          .containsExactly(0f, 0f, -2f, -2f);
      assertThat(s.get("class_embed.0.bias").getFloat(0))
          .isEqualTo((float) -Math.log(0.99 / 0.01));
      DeformableDetr refined = DeformableDetr.create(withOptions(new DeformableOptions(4, 4, 4,
          true, false)), m);
      Map<String, NDArray> r = refined.stateDict();
      assertThat(r.get("class_embed.0.weight")).isNotSameAs(r.get("class_embed.1.weight"));
      assertThat(r.get("class_embed.1.weight").toFloatArray())
          .containsExactly(r.get("class_embed.0.weight").toFloatArray());
      assertThat(r.get("bbox_embed.0.layers.2.bias").toFloatArray())
          .containsExactly(0f, 0f, -2f, -2f);
      assertThat(r.get("bbox_embed.1.layers.2.bias").toFloatArray())
          .containsExactly(0f, 0f, 0f, 0f);
      assertThat(r.get("transformer.decoder.bbox_embed.1.layers.0.weight"))
          .isSameAs(r.get("bbox_embed.1.layers.0.weight"));
    }
  }

  @Test
  void everyTrainedPartGetsAGradientThatNoCollectionChanges() {
    for (DeformableOptions options : List.of(DeformableOptions.defaults(),
        new DeformableOptions(4, 2, 3, true, true))) {
      try (NDManager m = NDManager.newBaseManager("PyTorch")) {
        Engine.getInstance().setRandomSeed(3);
        DeformableDetr model = DeformableDetr.create(withOptions(options), m);
        // away from the initialisation, whose zero offset and attention weights pass no gradient
        // to the queries (nor to the level embedding)
        for (NamedParameter p : TrainableParameters.of(model)) {
          p.array().addi(m.randomUniform(-0.05f, 0.05f, p.array().getShape()));
        }
        NDArray images = m.randomNormal(new Shape(2, 3, 96, 80)); // levels 12x10 .. 2x2
        boolean[] padding = new boolean[2 * 96 * 80];
        for (int i = 96 * 80 + 60 * 80; i < padding.length; i++) {
          padding[i] = true; // second image: rows 60.. are padding
        }
        NDArray mask = m.create(padding, new Shape(2, 96, 80));
        Map<String, float[]> plain = gradients(model, images, mask, false);
        Map<String, float[]> collected = gradients(model, images, mask, true);
        for (String trained : List.of("transformer.level_embed",
            "transformer.encoder.layers.0.self_attn.sampling_offsets.weight",
            "transformer.encoder.layers.0.self_attn.attention_weights.weight",
            "transformer.encoder.layers.0.self_attn.value_proj.weight",
            "transformer.decoder.layers.1.cross_attn.sampling_offsets.bias",
            "transformer.decoder.layers.0.self_attn.in_proj_weight",
            "input_proj.0.0.weight", "input_proj.3.1.weight", "class_embed.0.bias",
            "bbox_embed.0.layers.2.weight", "backbone.0.body.layer2.0.conv1.weight")) {
          assertThat(norm(plain.get(trained))).as(trained + " " + options).isGreaterThan(0);
        }
        assertThat(norm(plain.get(options.twoStage() ? "transformer.pos_trans.weight"
            : "transformer.reference_points.weight"))).isGreaterThan(0);
        plain.forEach((k, g) -> {
          float[] c = collected.get(k);
          double scale = 1e-6;
          double worst = 0;
          for (int i = 0; i < g.length; i++) {
            scale = Math.max(scale, Math.abs(g[i]));
            worst = Math.max(worst, Math.abs(g[i] - c[i]));
          }
          assertThat(worst).as(k + " max abs difference").isLessThanOrEqualTo(1e-4 * scale);
        });
      }
    }
  }

  @Test
  void classHeadIsReinitialisedForAnotherClassCount() {
    try (NDManager m = NDManager.newBaseManager("PyTorch"); NoGrad g = NoGrad.enter()) {
      DetrConfig twoStage = withOptions(new DeformableOptions(4, 4, 4, true, true));
      DeformableDetr coco = DeformableDetr.create(
          twoStage.toBuilder().numClasses(91).build(), m);
      DeformableDetr mine = DeformableDetr.create(twoStage, m);
      assertThatThrownBy(() -> mine.loadStateDict(coco.stateDict(), false))
          .hasMessageContaining("class_embed.0.weight");
      assertThat(mine.loadStateDict(coco.stateDict(), true).resetHead()).isEqualTo("class_embed");
      assertThat(mine.stateDict().get("transformer.decoder.class_embed.2.weight").getShape())
          .isEqualTo(new Shape(5, 32));
      assertThat(mine.stateDict().get("transformer.level_embed").toFloatArray())
          .containsExactly(coco.stateDict().get("transformer.level_embed").toFloatArray());
      DetrOutput out = mine.forward(m.randomNormal(new Shape(1, 3, 64, 64)),
          m.zeros(new Shape(1, 64, 64), ai.djl.ndarray.types.DataType.BOOLEAN), false);
      assertThat(out.logits().getShape()).isEqualTo(new Shape(2, 1, 6, 5));
      assertThat(ModelBuilder.build(twoStage, m)).isInstanceOf(DeformableDetr.class);
    }
  }

  @Test
  void configSelectsTheArchitectureAndItsDefaults() {
    ObjectMapper json = new ObjectMapper();
    DetrConfig d = DetrConfig.fromJson(json.createObjectNode().put("architecture",
        "deformable_detr"));
    assertThat(d.dimFeedforward()).isEqualTo(1024);
    assertThat(d.numQueries()).isEqualTo(300);
    assertThat(d.deformable()).isEqualTo(DeformableOptions.defaults());
    assertThat(d.classLogits()).isEqualTo(91);
    DetrConfig refine = DetrConfig.fromJson(d.toJson().put("num_queries", 100)
        .set("deformable", json.createObjectNode().put("with_box_refine", true)));
    assertThat(refine.deformable()).isEqualTo(new DeformableOptions(4, 4, 4, true, false));
    assertThat(refine.numQueries()).isEqualTo(100);
    assertThat(DetrConfig.fromJson(refine.toJson())).isEqualTo(refine);
    assertThat(DetrConfig.defaults().toJson().has("deformable")).isFalse();
    assertThatThrownBy(() -> DetrConfig.fromJson(json.createObjectNode()
        .set("deformable", json.createObjectNode().put("two_stage", true))))
        .hasMessageContaining("deformable_detr");
    assertThatThrownBy(() -> new DeformableOptions(4, 4, 4, false, true))
        .hasMessageContaining("with_box_refine");
    assertThatThrownBy(() -> new DeformableOptions(2, 4, 4, false, false))
        .hasMessageContaining("num_feature_levels");
    assertThatThrownBy(() -> SMALL.toBuilder().hiddenDim(48).nheads(2).build())
        .hasMessageContaining("GroupNorm");
  }

  @Test
  void aShallowerBackboneLeavesOutLayer4AndTheExtraProjectionsStartFromLayer3() {
    try (NDManager m = NDManager.newBaseManager("PyTorch"); NoGrad g = NoGrad.enter()) {
      DetrConfig three = withOptions(new DeformableOptions(4, 4, 4, true, true)).toBuilder()
          .backboneStages(3).build();
      DeformableDetr model = DeformableDetr.create(three, m);
      Map<String, NDArray> state = model.stateDict();
      assertThat(state.keySet()).anyMatch(k -> k.startsWith("backbone.0.body.layer3."))
          .noneMatch(k -> k.startsWith("backbone.0.body.layer4."));
      assertThat(state.get("input_proj.1.0.weight").getShape()).isEqualTo(new Shape(32, 256, 1, 1));
      assertThat(state.get("input_proj.2.0.weight").getShape()).isEqualTo(new Shape(32, 256, 3, 3));
      assertThat(state.get("input_proj.3.0.weight").getShape()).isEqualTo(new Shape(32, 32, 3, 3));
      NDArray images = m.randomNormal(new Shape(1, 3, 96, 80));
      NDArray mask = m.zeros(new Shape(1, 96, 80), ai.djl.ndarray.types.DataType.BOOLEAN);
      DeformableDetr.MultiScaleFeatures f = model.multiScaleFeatures(images, mask, false);
      assertThat(f.srcs()).extracting(NDArray::getShape).containsExactly(new Shape(1, 32, 12, 10),
          new Shape(1, 32, 6, 5), new Shape(1, 32, 3, 3), new Shape(1, 32, 2, 2));
      assertThat(model.forward(images, mask, false).boxes().getShape())
          .isEqualTo(new Shape(2, 1, 6, 4));
    }
    assertThat(SMALL.backboneStages()).isEqualTo(4);
    ObjectNode old = SMALL.toJson();
    old.remove("backbone_stages"); // a config stored before the option existed
    assertThat(DetrConfig.fromJson(old)).isEqualTo(SMALL);
    assertThat(DetrConfig.fromJson(SMALL.toJson().put("backbone_stages", 3)).backboneStages())
        .isEqualTo(3);
    assertThatThrownBy(() -> SMALL.toBuilder().backboneStages(5).build())
        .hasMessageContaining("backbone_stages");
    assertThatThrownBy(() -> DetrConfig.builder().dilation(true).backboneStages(3).build())
        .hasMessageContaining("layer4");
    assertThat(DetrConfig.builder().backbone("resnet18").backboneStages(3).build()
        .backboneChannels()).isEqualTo(256);
    assertThat(DetrConfig.builder().backboneStages(3).build().backboneChannels()).isEqualTo(1024);
  }

  private static DetrConfig withOptions(DeformableOptions options) {
    return SMALL.toBuilder().deformable(options).build();
  }

  private static double norm(float[] g) {
    double s = 0;
    for (float v : g) {
      s += (double) v * v;
    }
    return Math.sqrt(s);
  }

  private static Map<String, float[]> gradients(DeformableDetr model, NDArray images,
      NDArray mask, boolean collectBetween) {
    List<NamedParameter> params = TrainableParameters.of(model);
    for (NamedParameter p : params) {
      if (p.array().hasGradient()) {
        try (NDArray g = p.array().getGradient()) {
          g.subi(g); // DJL's collector accumulates gradients: start from zero
        }
      }
    }
    Map<String, float[]> out = new LinkedHashMap<>();
    try (NDManager step = images.getManager().newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray loss;
      try (NDManager forward = step.newSubManager()) {
        NDArray x = images.duplicate();
        x.attach(forward);
        DetrOutput o = model.forward(x, mask, true);
        loss = o.logits().mul(o.logits()).sum()
            .add(o.boxes().sum());
        if (o.hasProposals()) {
          loss = loss.add(o.encLogits().sum()).add(o.encBoxes().sum());
        }
        loss.attach(step);
      } // every intermediate array of the forward is closed here
      if (collectBetween) {
        try (CollectedJavaMemory overwritten = CollectedJavaMemory.collectAndOverwrite()) {
          gc.backward(loss);
        }
      } else {
        gc.backward(loss);
      }
      for (NamedParameter p : params) {
        out.put(p.name(), p.array().getGradient().toFloatArray());
      }
    }
    Map<String, float[]> byAllNames = new LinkedHashMap<>(out);
    model.namedParameters().forEach((k, p) -> {
      for (NamedParameter n : params) {
        if (n.array() == p.getArray()) {
          byAllNames.putIfAbsent(k, out.get(n.name()));
        }
      }
    });
    return byAllNames;
  }
}

package jdetr.model.segmentation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdetr.checkpoint.OfficialCheckpoint;
import jdetr.engine.NamedParameter;
import jdetr.engine.TrainableParameters;
import jdetr.model.DetectionTransformer;
import jdetr.model.Detr;
import jdetr.model.DetrConfig;
import jdetr.model.DetrOutput;
import jdetr.model.ModelBuilder;
import jdetr.model.NoGrad;
import jdetr.model.StateDict;
import org.junit.jupiter.api.Test;

/** DETRsegm's wiring: config rules, names, weights with and without a head, freezing, shapes. */
class DETRsegmTest {

  /** A small DETR-R18 with masks: hidden 128 (the least the head's GroupNorm(8) plan allows). */
  static DetrConfig small() {
    return DetrConfig.builder().backbone("resnet18").hiddenDim(128).nheads(8).encLayers(1)
        .decLayers(2).dimFeedforward(64).numQueries(4).numClasses(5).masks(true).build();
  }

  @Test
  void configRefusesMasksWhereTheReferenceHasNone() {
    assertThatThrownBy(() -> DetrConfig.builder(DetrConfig.Architecture.DEFORMABLE_DETR).masks(true)
        .build()).hasMessageContaining("masks").hasMessageContaining("DETR only");
    assertThatThrownBy(() -> small().toBuilder().backboneStages(3).build())
        .hasMessageContaining("backbone_stages must be 4");
    assertThatThrownBy(() -> small().toBuilder().hiddenDim(64).build())
        .hasMessageContaining("GroupNorm(8)");
    assertThat(DetrConfig.defaults().toJson().get("masks").asBoolean()).isFalse();
    assertThat(DetrConfig.fromJson(new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
        .put("masks", true)).masks()).isTrue();
    assertThat(small().toJson().get("masks").asBoolean()).isTrue();
    assertThat(DetrConfig.fromJson(small().toJson())).isEqualTo(small());
    assertThat(small().returnedStages()).containsExactly(1, 2, 3, 4);
    assertThat(DetrConfig.defaults().returnedStages()).containsExactly(4);
  }

  @Test
  void builtFromTheConfigWithTheDetectorsNamesAndPredMasksAtStrideFour() {
    Engine.getInstance().setRandomSeed(3);
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        NoGrad g = NoGrad.enter()) {
      DetectionTransformer model = ModelBuilder.build(small(), m);
      assertThat(model).isInstanceOf(DETRsegm.class);
      Map<String, NDArray> state = model.stateDict();
      assertThat(state).containsKeys("transformer.decoder.norm.weight", "class_embed.weight",
          "backbone.0.body.layer1.0.conv1.weight", "bbox_attention.q_linear.weight",
          "mask_head.lay1.weight", "mask_head.gn5.bias", "mask_head.out_lay.weight",
          "mask_head.adapter3.weight");
      assertThat(state.keySet()).noneMatch(k -> k.startsWith("detr."));
      // the exact channel plan: dim = 128 + 8, then 64, 32, 16, 8, 1; adapters from layer3..1
      assertThat(state.get("mask_head.lay1.weight").getShape()).isEqualTo(new Shape(136, 136, 3, 3));
      assertThat(state.get("mask_head.lay5.weight").getShape()).isEqualTo(new Shape(8, 16, 3, 3));
      assertThat(state.get("mask_head.out_lay.weight").getShape()).isEqualTo(new Shape(1, 8, 3, 3));
      assertThat(state.get("mask_head.adapter1.weight").getShape()).isEqualTo(new Shape(64, 256, 1, 1));
      assertThat(state.get("mask_head.adapter3.weight").getShape()).isEqualTo(new Shape(16, 64, 1, 1));
      assertThat(state.get("mask_head.lay2.bias").abs().max().getFloat()).isZero();
      assertThat(state.get("bbox_attention.k_linear.bias").abs().max().getFloat()).isZero();

      NDArray images = m.randomNormal(new Shape(2, 3, 64, 96));
      boolean[] padding = new boolean[2 * 64 * 96];
      java.util.Arrays.fill(padding, 64 * 96 + 40 * 96, padding.length, true); // image 1: 40 rows
      NDArray mask = m.create(padding, new Shape(2, 64, 96));
      DetrOutput out = model.forward(images, mask, false);
      assertThat(out.hasMasks()).isTrue();
      assertThat(out.predMasks().getShape()).isEqualTo(new Shape(2, 4, 16, 24));
      assertThat(out.logits().getShape()).isEqualTo(new Shape(2, 2, 4, 6));
    }
  }

  @Test
  void boxOnlyWeightsLoadWithAFreshHeadAndPanopticNamesAreUnwrapped() {
    Engine.getInstance().setRandomSeed(4);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      DETRsegm source = DETRsegm.create(small(), m);
      Map<String, NDArray> boxOnly = new LinkedHashMap<>(source.stateDict());
      boxOnly.keySet().removeIf(k -> k.startsWith("bbox_attention.") || k.startsWith("mask_head."));

      DETRsegm target = DETRsegm.create(small(), m);
      NDArray headBefore = target.stateDict().get("mask_head.lay1.weight").duplicate();
      StateDict.LoadReport report = target.loadStateDict(boxOnly, false);
      assertThat(report.freshKeys()).contains("bbox_attention.q_linear.weight",
          "mask_head.out_lay.bias").allMatch(k -> DETRsegm.HEAD_PREFIXES.stream().anyMatch(k::startsWith));
      assertThat(report.freshKeys()).hasSize(2 * 2 + 2 * 5 + 2 * 5 + 2 + 2 * 3);
      assertThat(target.stateDict().get("transformer.decoder.norm.weight")
          .contentEquals(source.stateDict().get("transformer.decoder.norm.weight"))).isTrue();
      assertThat(target.stateDict().get("mask_head.lay1.weight").contentEquals(headBefore)).isTrue();

      // the reference's DETRsegm state dict: the detector under "detr."
      Map<String, NDArray> wrapped = new LinkedHashMap<>();
      source.stateDict().forEach((k, v) -> wrapped.put(
          DETRsegm.HEAD_PREFIXES.stream().anyMatch(k::startsWith) ? k : "detr." + k, v));
      assertThat(target.loadStateDict(wrapped, false).freshKeys()).isEmpty();
      assertThat(target.stateDict().get("mask_head.lay1.weight")
          .contentEquals(source.stateDict().get("mask_head.lay1.weight"))).isTrue();
      Map<String, NDArray> unwrapped = SegmentationWeights.unwrap(wrapped);
      assertThat(OfficialCheckpoint.inferConfig(unwrapped, DetrConfig.defaults()).masks()).isTrue();
      assertThat(OfficialCheckpoint.inferConfig(boxOnly, DetrConfig.defaults()).masks()).isFalse();

      Map<String, NDArray> broken = new LinkedHashMap<>(source.stateDict());
      broken.remove("mask_head.gn2.weight");
      assertThatThrownBy(() -> target.loadStateDict(broken, false))
          .hasMessageContaining("missing").hasMessageContaining("mask_head.gn2.weight");
    }
  }

  @Test
  void savedWeightsReloadAsDetrSegm(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
      throws Exception {
    Engine.getInstance().setRandomSeed(6);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      DETRsegm segm = DETRsegm.create(small(), m);
      jdetr.checkpoint.ModelWeights.save(tmp.resolve("w"), segm, Map.of(1, "a"));
      DetectionTransformer back = jdetr.checkpoint.DetrWeights.load(tmp.resolve("w"),
          DetrConfig.defaults(), m).detr();
      assertThat(back).isInstanceOf(DETRsegm.class);
      assertThat(back.config()).isEqualTo(small());
      assertThat(back.stateDict().get("mask_head.out_lay.weight")
          .contentEquals(segm.stateDict().get("mask_head.out_lay.weight"))).isTrue();
    }
  }

  @Test
  void frozenDetectorLeavesOnlyTheHeadTrainable() {
    Engine.getInstance().setRandomSeed(5);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      DETRsegm segm = DETRsegm.create(small(), m);
      assertThat(TrainableParameters.of(segm)).anyMatch(p -> p.name().startsWith("transformer."));
      segm.freezeDetector();
      List<NamedParameter> trainable = TrainableParameters.of(segm);
      assertThat(trainable).isNotEmpty().allMatch(p -> p.name().startsWith("bbox_attention.")
          || p.name().startsWith("mask_head."));
      assertThat(trainable).hasSize(segm.namedParameters().size()
          - segm.detr().namedParameters().size());
      assertThat(segm.detr().namedParameters().values()).noneMatch(p -> p.requiresGradient()
          || p.getArray().hasGradient());
    }
  }

  @Test
  void aDetrWithoutMasksCannotBeWrapped() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Detr plain = Detr.create(small().toBuilder().masks(false).build(), m);
      assertThatThrownBy(() -> new DETRsegm(plain)).hasMessageContaining("masks");
    }
  }
}

package jdetr.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import jdetr.model.DeformableOptions;
import jdetr.model.Denoising;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrConfig;
import jdetr.model.DetrConfig.PositionEmbeddingKind;
import jdetr.model.DetrOutput;
import jdetr.model.ModelBuilder;
import jdetr.model.NoGrad;
import jdetr.model.Norm2d;
import jdetr.model.OneToMany;
import jdetr.train.InitialWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every architecture jdetr builds, written in the transformers layout from its reference-named
 * state dict and read back: the same tensors, byte for byte, and the same outputs as the model
 * the reference names were loaded into; written again, the same file; written in jdetr's own
 * format from there, the same tensors again. Small models with random weights (every tensor,
 * frozen BatchNorm statistics included, moved off its initial value).
 */
class TransformersWeightsTest {

  static final SortedMap<Integer, String> NAMES = new TreeMap<>(Map.of(1, "ellipse", 2, "triangle"));
  static final DetrConfig DETR_R50 = DetrConfig.builder().backbone("resnet50").hiddenDim(32).nheads(4)
      .encLayers(1).decLayers(2).dimFeedforward(64).numQueries(5).numClasses(3).build();
  static final DetrConfig DEFORMABLE = DetrConfig.builder(DetrConfig.Architecture.DEFORMABLE_DETR)
      .backbone("resnet18").hiddenDim(32).nheads(2).encLayers(1).decLayers(2).dimFeedforward(48)
      .numQueries(7).numClasses(3).build();

  @Test
  void detrR50() throws IOException {
    roundTrip(DETR_R50, DETR_R50);
  }

  @Test
  void detrR50Dilated() throws IOException {
    roundTrip(DETR_R50.toBuilder().dilation(true).build(), null);
  }

  @Test
  void detrR18LearnedPositions() throws IOException {
    roundTrip(DETR_R50.toBuilder().backbone("resnet18")
        .positionEmbedding(PositionEmbeddingKind.LEARNED).build(), null);
  }

  @Test
  void deformableSingleScale() throws IOException {
    roundTrip(DEFORMABLE.toBuilder().deformable(new DeformableOptions(1, 2, 3, false, false)).build(), null);
  }

  @Test
  void deformableMultiScale() throws IOException {
    roundTrip(DEFORMABLE.toBuilder().deformable(new DeformableOptions(4, 2, 2, false, false)).build(), null);
  }

  @Test
  void deformableBoxRefine() throws IOException {
    roundTrip(DEFORMABLE.toBuilder().deformable(new DeformableOptions(4, 2, 2, true, false)).build(), null);
  }

  @Test
  void deformableTwoStage() throws IOException {
    roundTrip(DEFORMABLE.toBuilder().deformable(new DeformableOptions(3, 2, 2, true, true)).build(), null);
  }

  /**
   * The demo recipe's kind of model: ResNet cut after layer3, trained BatchNorm, denoising
   * queries. transformers reads the ResNet's stages from backbone_kwargs.out_indices, uses a
   * frozen BatchNorm (same tensors, the batch count left out) and has no denoising embedding (used
   * in training only, left out by name).
   */
  @Test
  void theDemosKindOfModelLosesOnlyWhatInferenceDoesNotUse() throws IOException {
    DetrConfig demo = DEFORMABLE.toBuilder().backboneStages(3).backboneNorm(Norm2d.Kind.BATCH)
        .deformable(new DeformableOptions(3, 2, 2, true, true, new Denoising(2, 0.2, 0.4))).build();
    DetrConfig read = demo.toBuilder().backboneNorm(Norm2d.Kind.FROZEN)
        .deformable(new DeformableOptions(3, 2, 2, true, true)).build();
    List<String> left = roundTrip(demo, read);
    assertThat(left).anySatisfy(s -> assertThat(s).startsWith("label_enc.weight"));
  }

  /** Writes {@code config}'s random model as transformers weights, reads it back, compares. */
  private static List<String> roundTrip(DetrConfig config, DetrConfig expectedRead) throws IOException {
    Path dir = Files.createTempDirectory("hf-roundtrip");
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Engine.getInstance().setRandomSeed(11);
      DetectionTransformer original = randomModel(config, m);
      Path hf = dir.resolve("hf");
      List<String> left = TransformersWeights.write(hf, original.stateDict(), config, NAMES, m);
      assertThat(TransformersWeights.isTransformersDirectory(hf)).isTrue();
      try (DetrWeights w = DetrWeights.read(hf, DetrConfig.defaults(), m)) {
        assertThat(w.format()).isEqualTo(DetrWeights.Format.TRANSFORMERS);
        DetrConfig expected = expectedRead != null ? expectedRead : config;
        assertThat(w.config()).isEqualTo(expected.toBuilder().auxLoss(config.auxLoss()).build());
        assertThat(w.categories()).isEqualTo(NAMES);
        DetectionTransformer loaded = w.build(m);
        Map<String, NDArray> before = original.stateDict();
        loaded.stateDict().forEach((k, v) -> {
          NDArray a = before.get(k).getDataType() == v.getDataType() ? before.get(k) : before.get(k).toType(v.getDataType(), true);
          assertThat(a.contentEquals(v)).as(k).isTrue();
        });
        NDArray images = m.randomNormal(new Shape(2, 3, 64, 80));
        NDArray padding = m.zeros(new Shape(2, 64, 80));
        padding.set(new NDIndex("1, :, 60:"), 1f); // the second image is padded on the right
        NDArray mask = padding.gt(0f); // [B, H, W] true on padding
        try (NoGrad g = NoGrad.enter()) {
          DetrOutput a = original.forward(images, mask, false);
          DetrOutput b = loaded.forward(images, mask, false);
          if (config.backboneNorm() == Norm2d.Kind.FROZEN) {
            assertThat(a.logits().contentEquals(b.logits())).as("logits").isTrue();
            assertThat(a.boxes().contentEquals(b.boxes())).as("boxes").isTrue();
          } else { // a trained BatchNorm read as frozen: the same statistics, computed another way
            assertThat(a.logits().sub(b.logits()).abs().max().getFloat()).as("logits").isLessThan(1e-4f);
            assertThat(a.boxes().sub(b.boxes()).abs().max().getFloat()).as("boxes").isLessThan(1e-5f);
          }
        }
        // written again from the loaded model: the same files
        Path again = dir.resolve("again");
        assertThat(TransformersWeights.write(again, loaded.stateDict(), w.config(), w.categories(), m)).isEmpty();
        assertThat(Files.readAllBytes(again.resolve(TransformersWeights.SAFETENSORS)))
            .isEqualTo(Files.readAllBytes(hf.resolve(TransformersWeights.SAFETENSORS)));
        assertThat(Files.readString(again.resolve(TransformersConfig.FILE)))
            .isEqualTo(Files.readString(hf.resolve(TransformersConfig.FILE)));
        // and in jdetr's own format (the reference names)
        Path own = dir.resolve("own");
        ModelWeights.save(own, loaded, w.categories());
        try (DetrWeights o = DetrWeights.read(own, DetrConfig.defaults(), m)) {
          assertThat(o.tensors().keySet()).isEqualTo(loaded.stateDict().keySet());
          o.tensors().forEach((k, v) -> assertThat(v.contentEquals(w.tensors().get(k))).as(k).isTrue());
        }
      }
      return left;
    } finally {
      deleteTree(dir);
    }
  }

  /** A model of {@code config} whose every tensor is moved off its initial value. */
  static DetectionTransformer randomModel(DetrConfig config, NDManager m) {
    DetectionTransformer model = ModelBuilder.build(config, m);
    Map<String, NDArray> state = new LinkedHashMap<>();
    model.stateDict().forEach((k, v) -> state.put(k, v.getDataType() == DataType.FLOAT32
        ? v.add(m.randomUniform(-0.05f, 0.05f, v.getShape())) : v));
    model.loadStateDict(state, false);
    return model;
  }

  static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  void anUnknownTensorAMissingPartAndABadConfigAreNamed(@TempDir Path dir) throws IOException {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      DetrConfig config = DETR_R50.toBuilder().backbone("resnet18").build();
      Path hf = dir.resolve("hf");
      TransformersWeights.write(hf, randomModel(config, m).stateDict(), config, NAMES, m);
      Path tensors = hf.resolve(TransformersWeights.SAFETENSORS);
      Map<String, NDArray> stored = new LinkedHashMap<>(Safetensors.read(tensors, m).tensors());

      Map<String, NDArray> extra = new LinkedHashMap<>(stored);
      extra.put("model.encoder.layers.0.adapter.weight", m.zeros(new Shape(2)));
      Safetensors.write(tensors, extra, Map.of("format", "pt"));
      assertThatThrownBy(() -> DetrWeights.read(hf, DetrConfig.defaults(), m))
          .isInstanceOf(IOException.class).hasMessageContaining(tensors.toString())
          .hasMessageContaining("unknown tensor 'model.encoder.layers.0.adapter.weight'");

      Map<String, NDArray> partial = new LinkedHashMap<>(stored);
      partial.remove("model.decoder.layers.1.encoder_attn.k_proj.bias");
      Safetensors.write(tensors, partial, Map.of("format", "pt"));
      assertThatThrownBy(() -> DetrWeights.read(hf, DetrConfig.defaults(), m))
          .hasMessageContaining("model.decoder.layers.1.encoder_attn.q_proj.bias' has no k_proj companion");

      Map<String, NDArray> missing = new LinkedHashMap<>(stored);
      missing.remove("model.decoder.layernorm.weight");
      Safetensors.write(tensors, missing, Map.of("format", "pt"));
      try (DetrWeights w = DetrWeights.read(hf, DetrConfig.defaults(), m)) {
        assertThatThrownBy(() -> w.build(m)).hasMessageContaining(tensors.toString())
            .hasMessageContaining("missing (1): transformer.decoder.norm.weight");
      }

      Safetensors.write(tensors, stored, Map.of("format", "pt"));
      Path json = hf.resolve(TransformersConfig.FILE);
      String good = Files.readString(json);
      Files.writeString(json, good.replace("\"relu\"", "\"gelu\""));
      assertThatThrownBy(() -> DetrWeights.read(hf, DetrConfig.defaults(), m))
          .hasMessageContaining(json.toString()).hasMessageContaining("activation_function");
      Files.writeString(json, good.replace("\"decoder_attention_heads\" : 4", "\"decoder_attention_heads\" : 2"));
      assertThatThrownBy(() -> DetrWeights.read(hf, DetrConfig.defaults(), m))
          .hasMessageContaining("decoder_attention_heads");
      Files.delete(tensors);
      Files.writeString(json, good);
      assertThatThrownBy(() -> DetrWeights.read(hf, DetrConfig.defaults(), m))
          .hasMessageContaining("neither model.safetensors nor pytorch_model.bin");
    }
  }

  /**
   * A torch.save'd {@code pytorch_model.bin} (src/test/resources/hf/detr_r18_tiny_bin, written by
   * torch with q/k/v as separate tensors) goes through the safe pickle reader: every reference
   * tensor has the values torch joined, and the model loads strictly.
   */
  @Test
  void aPytorchModelBinIsReadByTheSafePickleReader() throws Exception {
    Path dir = Path.of("src/test/resources/hf/detr_r18_tiny_bin");
    JsonNode expected = new ObjectMapper().readTree(Path.of("src/test/resources/hf/detr_r18_tiny_bin.expected.json").toFile());
    try (NDManager m = NDManager.newBaseManager("PyTorch");
        DetrWeights w = DetrWeights.read(dir, DetrConfig.defaults(), m);
        DetrWeights official = DetrWeights.read(DetrWeightsTest.PTH,
            DetrConfig.defaults().toBuilder().nheads(4).build(), m)) {
      assertThat(w.format()).isEqualTo(DetrWeights.Format.TRANSFORMERS);
      assertThat(w.config()).isEqualTo(official.config().toBuilder().auxLoss(false).build());
      assertThat(w.categories()).isEqualTo(official.categories());
      assertThat(w.tensors().keySet()).containsExactlyInAnyOrderElementsOf(official.tensors().keySet());
      assertThat(w.tensors()).hasSize(expected.size());
      for (Map.Entry<String, NDArray> e : w.tensors().entrySet()) {
        JsonNode want = expected.get(e.getKey());
        assertThat(e.getValue().getShape().toString().replace(" ", ""))
            .isEqualTo(want.get("shape").toString().replace("[", "(").replace("]", ")"));
        ByteBuffer bytes = e.getValue().toType(DataType.FLOAT32, false).toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(bytes);
        assertThat(HexFormat.of().formatHex(sha.digest())).as(e.getKey()).isEqualTo(want.get("sha256").asText());
      }
      assertThat(w.build(m).stateDict()).hasSize(expected.size());
    }
  }

  /** A transformers directory as a fine-tuning start: its architecture, the recipe's classes. */
  @Test
  void aTransformersDirectoryStartsAFineTuning(@TempDir Path dir) throws IOException {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      DetrConfig config = DETR_R50.toBuilder().backbone("resnet18").numClasses(91).build();
      TransformersWeights.write(dir, randomModel(config, m).stateDict(), config, NAMES, m);
      DetrConfig recipe = DetrConfig.defaults().toBuilder().numClasses(2).build();
      try (InitialWeights initial = InitialWeights.read(dir, recipe, m)) {
        InitialWeights.Architecture a = initial.architecture(recipe);
        assertThat(a.config()).isEqualTo(config.toBuilder().numClasses(2).auxLoss(true).build());
        DetectionTransformer model = ModelBuilder.build(a.config(), m);
        assertThat(initial.loadInto(model).resetHead()).isEqualTo("class_embed");
      }
    }
  }

  @Test
  void aPreNormModelHasNoTransformersLayout(@TempDir Path dir) {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      DetrConfig config = DETR_R50.toBuilder().backbone("resnet18").preNorm(true).build();
      assertThatThrownBy(() -> TransformersWeights.write(dir, ModelBuilder.build(config, m).stateDict(),
          config, NAMES, m)).hasMessageContaining("pre_norm");
    }
  }

  @Test
  void mixedQuerySelectionHasNoTransformersLayoutButKeepsItsReferenceNames(@TempDir Path dir)
      throws Exception {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      DetrConfig config = DEFORMABLE.toBuilder().deformable(new DeformableOptions(3, 2, 2, true,
          true, Denoising.off(), OneToMany.off(), false, true)).build();
      var state = ModelBuilder.build(config, m).stateDict();
      assertThat(state).containsKey("transformer.tgt_embed.weight");
      assertThatThrownBy(() -> TransformersWeights.write(dir, state, config, NAMES, m))
          .hasMessageContaining("mixed_query_selection")
          .hasMessageContaining("transformer.tgt_embed.weight");
      assertThat(dir.resolve("model.safetensors")).doesNotExist();
    }
  }

  @Test
  void distinctQueriesAreRefusedBeforeAnythingIsWritten(@TempDir Path dir) {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      DetrConfig config = DEFORMABLE.toBuilder().deformable(new DeformableOptions(3, 2, 2, true,
          true, Denoising.off(), OneToMany.off(), false, false, 0.5)).build();
      var state = ModelBuilder.build(config, m).stateDict();
      assertThatThrownBy(() -> TransformersWeights.write(dir, state, config, NAMES, m))
          .hasMessageContaining("distinct_query_iou: 0.5")
          .hasMessageContaining("top-k");
      assertThat(dir.resolve("model.safetensors")).doesNotExist();
    }
  }
}

package jdetr.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import jdetr.checkpoint.TransformersNames.BackboneNames;
import org.junit.jupiter.api.Test;

/**
 * The key map against the transformers names of full-size reference state dicts
 * (src/test/resources/hf/keys.json.gz: the reference names renamed by the rules of the
 * transformers conversion scripts, see the README there), both ways.
 */
class TransformersNamesTest {

  static JsonNode cases() throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(Path.of("src/test/resources/hf/keys.json.gz")))) {
      return new ObjectMapper().readTree(in);
    }
  }

  @Test
  void everyReferenceNameOfEveryArchitectureMapsBothWays() throws IOException {
    JsonNode cases = cases();
    List<String> seen = new ArrayList<>();
    cases.fields().forEachRemaining(c -> {
      String name = c.getKey();
      TransformersNames names = new TransformersNames(name.startsWith("ddetr"),
          name.contains("native_backbone") ? BackboneNames.TRANSFORMERS_RESNET : BackboneNames.TIMM,
          name.contains("panoptic"));
      Set<String> hfNames = new HashSet<>();
      for (JsonNode pair : c.getValue().get("pairs")) {
        String official = pair.get(0).asText();
        List<String> hf = new ArrayList<>();
        pair.get(1).forEach(n -> hf.add(n.asText()));
        assertThat(names.toTransformers(official)).as(name + ": " + official).isEqualTo(hf);
        for (int i = 0; i < hf.size(); i++) {
          assertThat(names.toOfficial(hf.get(i))).as(name + ": " + hf.get(i))
              .isEqualTo(new TransformersNames.Official(official, hf.size() == 3 ? i : -1));
          assertThat(hfNames.add(hf.get(i))).as("one transformers name per tensor: " + hf.get(i)).isTrue();
        }
      }
      seen.add(name);
    });
    assertThat(seen).containsExactlyInAnyOrder("detr_r50_default", "detr_r101_dc5",
        "detr_r50_default_native_backbone", "detr_r50_panoptic", "ddetr_r50_default",
        "ddetr_r50_refine", "ddetr_r50_two_stage", "ddetr_r50_single_scale_dc5");
  }

  @Test
  void theListsHoldTheRenamesTheScriptsMake() throws IOException {
    JsonNode detr = cases().get("detr_r50_default").get("pairs");
    List<String> hf = new ArrayList<>();
    detr.forEach(p -> p.get(1).forEach(n -> hf.add(n.asText())));
    assertThat(hf).contains("model.backbone.conv_encoder.model.layer1.0.downsample.1.running_var",
        "model.encoder.layers.5.self_attn.v_proj.bias", "model.decoder.layers.0.encoder_attn.q_proj.weight",
        "model.decoder.layers.2.encoder_attn_layer_norm.weight", "model.decoder.layernorm.bias",
        "model.input_projection.weight", "model.query_position_embeddings.weight",
        "class_labels_classifier.weight", "bbox_predictor.layers.2.bias");
    JsonNode twoStage = cases().get("ddetr_r50_two_stage").get("pairs");
    List<String> ddetr = new ArrayList<>();
    twoStage.forEach(p -> p.get(1).forEach(n -> ddetr.add(n.asText())));
    assertThat(ddetr).contains("model.level_embed", "model.enc_output_norm.weight", "model.pos_trans.bias",
        "model.input_proj.3.1.weight", "model.decoder.bbox_embed.6.layers.2.weight",
        "model.decoder.class_embed.6.bias", "model.decoder.layers.1.encoder_attn.sampling_offsets.weight",
        "model.decoder.layers.1.self_attn.k_proj.weight", "model.encoder.layers.0.self_attn.value_proj.bias",
        "class_embed.6.weight", "bbox_embed.0.layers.0.weight");
  }

  @Test
  void learnedPositionsTakeTheModuleNamesOfTheModelingFiles() {
    for (boolean deformable : new boolean[] {false, true}) {
      TransformersNames names = new TransformersNames(deformable, BackboneNames.TIMM, false);
      assertThat(names.toTransformers("backbone.1.col_embed.weight"))
          .containsExactly("model.backbone.position_embedding.column_embeddings.weight");
      assertThat(names.toOfficial("model.backbone.position_embedding.row_embeddings.weight").name())
          .isEqualTo("backbone.1.row_embed.weight");
    }
  }

  @Test
  void aNameNoRuleKnowsIsRefusedByName() {
    TransformersNames detr = new TransformersNames(false, BackboneNames.TIMM, false);
    assertThatThrownBy(() -> detr.toOfficial("model.encoder.layers.0.self_attn.qq_proj.weight"))
        .hasMessageContaining("'model.encoder.layers.0.self_attn.qq_proj.weight'");
    assertThatThrownBy(() -> detr.toOfficial("model.backbone.conv_encoder.model.fc.weight"))
        .hasMessageContaining("model.backbone.conv_encoder.model.fc.weight");
    assertThatThrownBy(() -> detr.toOfficial("model.level_embed")).hasMessageContaining("model.level_embed");
    assertThatThrownBy(() -> detr.toTransformers("transformer.encoder.norm.weight"))
        .hasMessageContaining("'transformer.encoder.norm.weight' has no transformers name");
    TransformersNames native_ = new TransformersNames(false, BackboneNames.TRANSFORMERS_RESNET, false);
    assertThatThrownBy(() -> native_.toOfficial("model.backbone.conv_encoder.model.layer1.0.conv1.weight"))
        .hasMessageContaining("model.backbone.conv_encoder.model.layer1.0.conv1.weight");
    assertThatThrownBy(() -> native_.toOfficial(
        "model.backbone.conv_encoder.model.encoder.stages.0.layers.0.layer.0.convolution.bias"))
        .hasMessageContaining("convolution.bias");
    TransformersNames ddetr = new TransformersNames(true, BackboneNames.TIMM, false);
    assertThatThrownBy(() -> ddetr.toOfficial("class_labels_classifier.weight"))
        .hasMessageContaining("'class_labels_classifier.weight'").hasMessageContaining("Deformable DETR");
    TransformersNames panoptic = new TransformersNames(false, BackboneNames.TIMM, true);
    assertThatThrownBy(() -> panoptic.toOfficial("model.input_projection.weight"))
        .hasMessageContaining("model.input_projection.weight");
    assertThatThrownBy(() -> panoptic.toOfficial("mask_head.lay6.weight"))
        .hasMessageContaining("mask_head.lay6.weight");
  }
}

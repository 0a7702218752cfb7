package jdetr.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import jdetr.checkpoint.TransformersNames.BackboneNames;
import jdetr.model.DeformableOptions;
import jdetr.model.DetrConfig;
import jdetr.model.DetrConfig.Architecture;
import org.junit.jupiter.api.Test;

/**
 * config.json of the Hub's DETR and Deformable DETR models (src/test/resources/hf/configs: the
 * fields the conversion scripts set over the configuration classes' defaults) read as jdetr's
 * architecture, and the fields jdetr cannot build refused by name.
 */
class TransformersConfigTest {
  private static final Path CONFIGS = Path.of("src/test/resources/hf/configs");
  private static final DetrConfig DETR_R50 = DetrConfig.defaults().toBuilder().auxLoss(false).build();
  private static final DetrConfig DEFORMABLE_R50 =
      DetrConfig.defaults(Architecture.DEFORMABLE_DETR).toBuilder().auxLoss(false).build();

  private static TransformersConfig read(String name) throws IOException {
    return TransformersConfig.read(CONFIGS.resolve(name + ".json"));
  }

  @Test
  void theHubsDetrModels() throws IOException {
    TransformersConfig r50 = read("detr-resnet-50");
    assertThat(r50.config()).isEqualTo(DETR_R50);
    assertThat(r50.backboneNames()).isEqualTo(BackboneNames.TIMM);
    assertThat(r50.panoptic()).isFalse();
    assertThat(r50.categories()).hasSize(80).containsEntry(1, "person").containsEntry(90, "toothbrush")
        .doesNotContainKeys(0, 12, 26);
    assertThat(r50.categories()).isEqualTo(OfficialCheckpoint.cocoNames(91));

    assertThat(read("detr-resnet-101-dc5").config())
        .isEqualTo(DETR_R50.toBuilder().backbone("resnet101").dilation(true).build());
    TransformersConfig native_ = read("detr-resnet-50-no-timm");
    assertThat(native_.config()).isEqualTo(DETR_R50);
    assertThat(native_.backboneNames()).isEqualTo(BackboneNames.TRANSFORMERS_RESNET);
    TransformersConfig panoptic = read("detr-resnet-50-panoptic");
    assertThat(panoptic.panoptic()).isTrue();
    assertThat(panoptic.config().numClasses()).isEqualTo(250);
    assertThat(panoptic.categories()).containsEntry(249, "LABEL_249");
  }

  @Test
  void theHubsDeformableDetrModels() throws IOException {
    assertThat(read("deformable-detr").config()).isEqualTo(DEFORMABLE_R50);
    assertThat(read("deformable-detr-single-scale-dc5").config()).isEqualTo(DEFORMABLE_R50.toBuilder()
        .dilation(true).deformable(new DeformableOptions(1, 4, 4, false, false)).build());
    assertThat(read("deformable-detr-with-box-refine").config()).isEqualTo(DEFORMABLE_R50.toBuilder()
        .deformable(new DeformableOptions(4, 4, 4, true, false)).build());
    assertThat(read("deformable-detr-with-box-refine-two-stage").config()).isEqualTo(DEFORMABLE_R50
        .toBuilder().deformable(new DeformableOptions(4, 4, 4, true, true)).build());
  }

  @Test
  void whatJdetrWritesItReadsBack() throws IOException {
    DetrConfig cut = DetrConfig.builder(Architecture.DEFORMABLE_DETR).backbone("resnet34").backboneStages(3)
        .hiddenDim(64).nheads(4).encLayers(2).decLayers(3).dimFeedforward(128).numQueries(40)
        .numClasses(4).deformable(new DeformableOptions(3, 2, 3, true, true)).build();
    ObjectNode json = (ObjectNode) new ObjectMapper().readTree(
        TransformersConfig.toJson(cut, Map.of(1, "a", 3, "c")));
    assertThat(json.get("backbone_kwargs").get("out_indices").toString()).isEqualTo("[2,3]");
    assertThat(json.get("id2label").toString()).isEqualTo("{\"0\":\"N/A\",\"1\":\"a\",\"2\":\"N/A\",\"3\":\"c\"}");
    TransformersConfig back = TransformersConfig.parse(json);
    assertThat(back.config()).isEqualTo(cut);
    assertThat(back.categories()).containsExactly(Map.entry(1, "a"), Map.entry(3, "c"));
  }

  @Test
  void fieldsJdetrCannotBuildAreNamed() throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode base = (ObjectNode) mapper.readTree(CONFIGS.resolve("detr-resnet-50.json").toFile());
    Map<String, String> bad = Map.of(
        "{\"model_type\": \"conditional_detr\"}", "model_type 'conditional_detr'",
        "{\"architectures\": [\"DetrModel\"]}", "architectures[0] 'DetrModel'",
        "{\"backbone\": \"resnext50\"}", "backbone: 'resnext50'",
        "{\"decoder_ffn_dim\": 1024}", "decoder_ffn_dim: 1024 differs from encoder_ffn_dim 2048",
        "{\"position_embedding_type\": \"rope\"}", "position_embedding_type",
        "{\"id2label\": {\"0\": \"a\", \"5\": \"b\"}, \"num_labels\": null}", "id2label: ids must be 0..1",
        "{\"num_labels\": 7}", "num_labels: 7 differs from the 91 entries of id2label",
        "{\"backbone_kwargs\": {\"out_indices\": [2, 3]}}", "backbone_kwargs.out_indices: [2,3] is not [1, 2, 3]",
        "{\"num_queries\": 2.5}", "num_queries: must be an integer");
    for (Map.Entry<String, String> e : bad.entrySet()) {
      ObjectNode config = base.deepCopy();
      config.setAll((ObjectNode) mapper.readTree(e.getKey()));
      assertThatThrownBy(() -> TransformersConfig.parse(config)).as(e.getKey())
          .hasMessageContaining(e.getValue());
    }
  }
}

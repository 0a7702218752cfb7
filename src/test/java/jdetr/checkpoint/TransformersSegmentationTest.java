package jdetr.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrConfig;
import jdetr.model.segmentation.DETRsegm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A transformers DetrForSegmentation directory (the Hub's detr-resnet-50-panoptic layout) loads as DETRsegm. */
class TransformersSegmentationTest {

  @Test
  void detrForSegmentationLoadsAsDetrSegm(@TempDir Path tmp) throws Exception {
    DetrConfig config = DetrConfig.builder().backbone("resnet18").hiddenDim(128).nheads(8)
        .encLayers(1).decLayers(2).dimFeedforward(64).numQueries(4).numClasses(5).masks(true)
        .build();
    Engine.getInstance().setRandomSeed(8);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      DETRsegm segm = DETRsegm.create(config, m);
      // the transformers layout: the detector under detr., its in_proj split into q, k, v
      TransformersNames names = new TransformersNames(false, TransformersNames.BackboneNames.TIMM, true);
      Map<String, NDArray> hf = new LinkedHashMap<>();
      for (Map.Entry<String, NDArray> e : segm.stateDict().entrySet()) {
        String key = e.getKey();
        if (key.endsWith(".num_batches_tracked")) {
          continue;
        }
        boolean head = DETRsegm.HEAD_PREFIXES.stream().anyMatch(key::startsWith);
        List<String> to = names.toTransformers(head ? key : "detr." + key);
        long rows = e.getValue().getShape().get(0) / to.size();
        for (int i = 0; i < to.size(); i++) {
          hf.put(to.get(i), to.size() == 1 ? e.getValue() : e.getValue().get(i * rows + ":" + (i + 1) * rows));
        }
      }
      Path dir = Files.createDirectories(tmp.resolve("detr-panoptic"));
      Safetensors.write(dir.resolve(TransformersWeights.SAFETENSORS), hf, Map.of("format", "pt"));
      ObjectNode json = (ObjectNode) new ObjectMapper().readTree(TransformersConfig.toJson(
          config.toBuilder().masks(false).build(), Map.of(1, "a", 4, "d")));
      ((ArrayNode) json.get("architectures")).removeAll().add("DetrForSegmentation");
      Files.write(dir.resolve(TransformersConfig.FILE), new ObjectMapper().writeValueAsBytes(json));

      DetectionTransformer back = DetrWeights.load(dir, DetrConfig.defaults(), m).detr();
      assertThat(back).isInstanceOf(DETRsegm.class);
      assertThat(back.config().masks()).isTrue();
      for (String key : List.of("mask_head.lay1.weight", "bbox_attention.k_linear.weight",
          "transformer.encoder.layers.0.self_attn.in_proj_weight", "backbone.0.body.layer1.0.conv1.weight")) {
        assertThat(back.stateDict().get(key).contentEquals(segm.stateDict().get(key))).as(key).isTrue();
      }
    }
  }

  @Test
  void detrSegmExportsAsDetrForSegmentationAndLoadsBack(@TempDir Path tmp) throws Exception {
    DetrConfig config = DetrConfig.builder().backbone("resnet18").hiddenDim(128).nheads(8)
        .encLayers(1).decLayers(2).dimFeedforward(64).numQueries(4).numClasses(5).masks(true)
        .build();
    Engine.getInstance().setRandomSeed(9);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      DETRsegm segm = DETRsegm.create(config, m);
      Path dir = tmp.resolve("exported");
      TransformersWeights.write(dir, segm.stateDict(), config, new java.util.TreeMap<>(Map.of(1, "a")), m);

      assertThat(new ObjectMapper().readTree(dir.resolve(TransformersConfig.FILE).toFile())
          .path("architectures").get(0).asText()).isEqualTo("DetrForSegmentation");
      Map<String, NDArray> stored = Safetensors.read(dir.resolve(TransformersWeights.SAFETENSORS), m).tensors();
      assertThat(stored).containsKey("detr.model.query_position_embeddings.weight")
          .containsKey("mask_head.lay1.weight").containsKey("bbox_attention.k_linear.weight");

      DetectionTransformer back = DetrWeights.load(dir, DetrConfig.defaults(), m).detr();
      assertThat(back).isInstanceOf(DETRsegm.class);
      for (Map.Entry<String, NDArray> e : segm.stateDict().entrySet()) {
        if (!e.getKey().endsWith(".num_batches_tracked")) {
          assertThat(back.stateDict().get(e.getKey()).contentEquals(e.getValue())).as(e.getKey()).isTrue();
        }
      }
    }
  }
}

package jdetr.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training on COCO panoptic data ({@code data.format coco_panoptic}) with PQ in the run log. */
class PanopticTrainingTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aTinyRunOnGeneratedPanopticDataLogsPanopticQuality(@TempDir Path tmp) throws Exception {
    Path root = tmp.resolve("shapes-panoptic");
    Path out = tmp.resolve("run");
    TrainConfig config = TrainConfig.resolve(JSON.createObjectNode(), List.of(
        "model.backbone=resnet18", "model.backbone_stages=4", "model.hidden_dim=128",
        "model.nheads=8", "model.enc_layers=1", "model.dec_layers=1",
        "model.dim_feedforward=64", "model.num_queries=6", "model.dropout=0", "model.masks=true",
        "batch_size=2", "epochs=1", "max_steps_per_epoch=1", "data.root=" + root,
        "data.format=coco_panoptic",
        "data.synth={\"train\": 2, \"val\": 2, \"size\": 64, \"classes\": 2, \"max_objects\": 3}",
        "augmentation.scales=[48, 64]", "augmentation.max_size=64",
        "augmentation.crop_resize_sizes=[48]", "augmentation.crop_min_size=32",
        "augmentation.crop_max_size=48", "augmentation.val_size=64", "output_dir=" + out),
        "test");
    assertThat(config.data().panoptic()).isTrue();
    assertThat(TrainConfig.fromStored(config.toJson().toString()).data()).isEqualTo(config.data());
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    new Trainer(config, new PrintStream(text, true, StandardCharsets.UTF_8)).run(false);

    assertThat(root.resolve("annotations/panoptic_train2017.json")).isRegularFile();
    List<String> lines = Files.readAllLines(out.resolve("log.jsonl"));
    assertThat(lines).hasSize(1);
    JsonNode line = JSON.readTree(lines.get(0));
    assertThat(line.get("test_coco_eval_bbox").size()).isEqualTo(12);
    assertThat(line.get("test_coco_eval_masks").size()).isEqualTo(12);
    // things are the 2 shape classes, stuff sky and ground
    int[] categories = {4, 2, 2};
    String[] keys = {"test_PQ_all", "test_PQ_th", "test_PQ_st"};
    for (int g = 0; g < keys.length; g++) {
      JsonNode pq = line.get(keys[g]);
      assertThat(pq).as(keys[g]).isNotNull();
      assertThat(pq.get("n").asInt()).as(keys[g]).isEqualTo(categories[g]);
      for (String k : List.of("pq", "sq", "rq")) {
        assertThat(pq.get(k).asDouble()).as(keys[g] + "." + k).isBetween(0.0, 1.0);
      }
    }
  }

  @Test
  void aPanopticRootOfTheWrongLayoutIsRefusedNamingTheMissingFile(@TempDir Path tmp)
      throws Exception {
    Path root = tmp.resolve("coco");
    TrainData.openOrGenerate(new DataRecipe(root, new TrainConfig.SynthRecipe(2, 2, 64, 2, 1, 1,
        2))); // a COCO instances dataset
    assertThatThrownBy(() -> TrainData.openOrGenerate(
        new DataRecipe(root, DataRecipe.Format.COCO_PANOPTIC, null)))
        .isInstanceOf(FileNotFoundException.class)
        .hasMessageContaining(root.resolve("annotations/panoptic_train2017.json").toString());
    assertThatThrownBy(() -> TrainConfig.resolve(JSON.createObjectNode(),
        List.of("data.format=panoptic"), "test"))
        .hasMessageContaining("data.format").hasMessageContaining("coco_panoptic");
  }
}

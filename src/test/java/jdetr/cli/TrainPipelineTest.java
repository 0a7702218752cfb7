package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jdetr.checkpoint.ModelWeights;
import jdetr.checkpoint.Safetensors;
import jdetr.train.TrainConfig;
import jdetr.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --pipeline}: the data, trainer and matcher stages deployed from {@code verticles/}
 * on the local event bus train to the same losses and parameters as the plain loop.
 */
class TrainPipelineTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static List<String> tiny(Path root, Path out) {
    return new ArrayList<>(List.of("model.backbone=resnet18", "model.hidden_dim=32",
        "model.nheads=4", "model.enc_layers=1", "model.dec_layers=2", "model.dim_feedforward=64",
        "model.num_queries=6", "model.dropout=0", "batch_size=2", "micro_batches=2", "epochs=1",
        "max_steps_per_epoch=2", "lr=1e-3", "lr_backbone=1e-4", "data.root=" + root,
        "data.synth={\"train\": 6, \"val\": 2, \"size\": 64, \"classes\": 2}",
        "augmentation.scales=[48, 64]", "augmentation.max_size=80",
        "augmentation.crop_resize_sizes=[48, 56]", "augmentation.crop_min_size=32",
        "augmentation.crop_max_size=48", "augmentation.val_size=64", "output_dir=" + out));
  }

  @Test
  void stagesOnTheEventBusTrainLikeThePlainLoop(@TempDir Path tmp) throws Exception {
    Path root = tmp.resolve("shapes");
    TrainConfig plain = TrainConfig.resolve(JSON.createObjectNode(), tiny(root, tmp.resolve("plain")), "t");
    Trainer.Result a = new Trainer(plain, System.out).run(false);
    TrainConfig staged = TrainConfig.resolve(JSON.createObjectNode(), tiny(root, tmp.resolve("staged")), "t");
    int code = new TrainPipeline(staged, Path.of("verticles"), false,
        new jdetr.train.TrainProgress(jdetr.train.TrainProgress.Mode.LINES, System.out, 1)).run();
    assertThat(code).isZero();

    JsonNode la = JSON.readTree(Files.readAllLines(tmp.resolve("plain/log.jsonl")).get(0));
    JsonNode lb = JSON.readTree(Files.readAllLines(tmp.resolve("staged/log.jsonl")).get(0));
    assertThat(lb.get("train_loss").asDouble()).isCloseTo(la.get("train_loss").asDouble(),
        org.assertj.core.data.Offset.offset(1e-5));
    assertThat(lb.get("test_coco_eval_bbox").size()).isEqualTo(12);
    Path staggedCheckpoint = tmp.resolve("staged/checkpoints/step-000002");
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Map<String, NDArray> pa = Safetensors.read(a.checkpoint().resolve(ModelWeights.TENSORS), m).tensors();
      Map<String, NDArray> pb = Safetensors.read(staggedCheckpoint.resolve(ModelWeights.TENSORS), m).tensors();
      double worst = 0;
      for (String k : pa.keySet()) {
        worst = Math.max(worst, pa.get(k).sub(pb.get(k)).abs().max().getFloat());
      }
      assertThat(worst).isLessThanOrEqualTo(1e-6);
    }
  }
}

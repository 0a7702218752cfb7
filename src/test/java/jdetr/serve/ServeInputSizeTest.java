package jdetr.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A training checkpoint is served at the size its run evaluated at, unless a setting names one. */
class ServeInputSizeTest {
  @Test
  void aTrainingCheckpointBringsItsValSize(@TempDir Path dir) throws Exception {
    Path checkpoint = Files.createDirectories(dir.resolve("step-000700"));
    Files.writeString(checkpoint.resolve("state.json"),
        "{\"config\": {\"augmentation\": {\"val_size\": 112, \"max_size\": 128}}}");
    ServeConfig served = ServeConfig.resolve(null, checkpoint, List.of(), null);
    assertThat(served.inputSize()).isEqualTo(112);
    assertThat(served.maxInputSize()).isEqualTo(128);

    ServeConfig set = ServeConfig.resolve(null, checkpoint, List.of("inputSize=96"), null);
    assertThat(set.inputSize()).isEqualTo(96);

    Path conf = dir.resolve("serve.json");
    Files.writeString(conf, "{\"inputSize\": 300, \"maxInputSize\": 500}");
    assertThat(ServeConfig.resolve(conf, checkpoint, List.of(), null).inputSize()).isEqualTo(300);

    Files.writeString(checkpoint.resolve("state.json"), "{\"config\": ");
    assertThatThrownBy(() -> ServeConfig.resolve(null, checkpoint, List.of(), null))
        .hasMessageContaining(checkpoint.resolve("state.json").toString());
  }

  @Test
  void otherWeightsKeepTheReferenceSize(@TempDir Path dir) throws Exception {
    Path pth = Files.writeString(dir.resolve("detr.pth"), "not read here");
    ServeConfig served = ServeConfig.resolve(null, pth, List.of(), null);
    assertThat(served.inputSize()).isEqualTo(ServeConfig.defaults().inputSize());
    assertThat(ServeConfig.resolve(null, null, List.of(), null).maxInputSize())
        .isEqualTo(ServeConfig.defaults().maxInputSize());
  }
}

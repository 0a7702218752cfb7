package jdetr.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jdetr.data.transforms.AugmentationConfig;
import jdetr.train.TrainCheckpoint;
import jdetr.train.TrainConfig;

/**
 * The input size a jdetr training checkpoint was evaluated at: the val size of the recipe stored
 * in its {@code state.json}.
 */
final class TrainingInputSize {
  private TrainingInputSize() {}

  /**
   * The {@code inputSize} and {@code maxInputSize} serve settings, in that order; none for other
   * weights.
   */
  static List<Map.Entry<String, String>> of(Path weights) throws IOException {
    Path state = weights == null ? null : weights.resolve(TrainCheckpoint.STATE);
    if (state == null || !Files.isRegularFile(state)) {
      return List.of();
    }
    AugmentationConfig augmentation;
    try {
      JsonNode stored = new ObjectMapper().readTree(state.toFile()).path("config");
      augmentation = TrainConfig.fromStored(stored.toString()).augmentation();
    } catch (IOException | RuntimeException e) {
      throw new IOException(state + ": no readable training recipe: " + e.getMessage(), e);
    }
    return List.of(Map.entry("inputSize", Integer.toString(augmentation.valSize())),
        Map.entry("maxInputSize", Integer.toString(augmentation.maxSize())));
  }
}

package jdetr.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The input size a jdetr training checkpoint was evaluated at: its recipe's
 * {@code augmentation.val_size} and {@code max_size}, stored in the checkpoint's {@code state.json}.
 */
final class TrainingInputSize {
  private TrainingInputSize() {}

  /** {@code inputSize=…} and {@code maxInputSize=…} serve settings; none for other weights. */
  static List<String> of(Path weights) throws IOException {
    Path state = weights == null ? null : weights.resolve("state.json");
    if (state == null || !Files.isRegularFile(state)) {
      return List.of();
    }
    JsonNode augmentation;
    try {
      augmentation = new ObjectMapper().readTree(state.toFile()).path("config").path("augmentation");
    } catch (IOException e) {
      throw new IOException(state + ": not readable JSON: " + e.getMessage(), e);
    }
    if (!augmentation.path("val_size").isInt() || !augmentation.path("max_size").isInt()) {
      return List.of();
    }
    return List.of("inputSize=" + augmentation.get("val_size").asInt(),
        "maxInputSize=" + augmentation.get("max_size").asInt());
  }
}

package jdetr.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jdetr.checkpoint.AtomicFiles;
import jdetr.checkpoint.CheckpointStore;
import jdetr.checkpoint.ModelWeights;
import jdetr.checkpoint.Safetensors;
import jdetr.checkpoint.SavedCheckpoint;
import jdetr.engine.AdamW;
import jdetr.engine.AdamWState;
import jdetr.engine.StepLR;
import jdetr.model.DetectionTransformer;

/**
 * A training checkpoint (DESIGN §4): {@code model.safetensors} + {@code model.json} (a weights
 * directory {@code jdetr predict} can load), {@code optimizer.safetensors} (AdamW moments) and
 * {@code state.json} (epochs done, global step, scheduler, per-parameter AdamW step counts, group
 * learning rates, the recipe, category names and the last metrics), stored by
 * {@link CheckpointStore}.
 */
public final class TrainCheckpoint {
  public static final String OPTIMIZER = "optimizer.safetensors";
  public static final String STATE = "state.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where a resumed run continues. */
  public record Resumed(int epochsDone, long step, Path dir, List<String> rejected,
      JsonNode savedConfig) {}

  private TrainCheckpoint() {}

  /** Saves after {@code epochsDone} epochs and {@code step} optimisation steps. */
  public static SavedCheckpoint save(CheckpointStore store, DetectionTransformer detr, AdamW optimizer,
      StepLR scheduler, int epochsDone, long step, TrainConfig config,
      Map<Integer, String> categories, Map<String, Object> metrics, NDManager manager) {
    return store.save(step, dir -> {
      ModelWeights.save(dir, detr, categories);
      try (NDManager scratch = manager.newSubManager()) {
        AdamWState state = optimizer.state(scratch);
        Safetensors.write(dir.resolve(OPTIMIZER), state.moments(), Map.of("format", "pt"));
        ObjectNode s = JSON.createObjectNode();
        s.put("format", "jdetr-train-state/1");
        s.put("epochs_done", epochsDone);
        s.put("step", step);
        s.put("scheduler_last_epoch", scheduler.lastEpoch());
        s.set("lrs", JSON.valueToTree(state.lrs()));
        s.set("param_steps", JSON.valueToTree(state.steps()));
        s.set("config", config.toJson());
        ObjectNode names = s.putObject("categories");
        categories.forEach((id, name) -> names.put(Integer.toString(id), name));
        s.set("metrics", JSON.valueToTree(metrics));
        AtomicFiles.writeBytes(dir.resolve(STATE), JSON.writerWithDefaultPrettyPrinter()
            .writeValueAsBytes(s));
      }
    });
  }

  /**
   * Loads the newest good checkpoint into the model, optimizer and scheduler; empty when the store
   * holds none. A learning rate that differs from the recipe's is taken from the recipe (a new rate
   * given at resume is honoured) and reported.
   */
  public static Optional<Resumed> restore(CheckpointStore store, DetectionTransformer detr, AdamW optimizer,
      StepLR scheduler, NDManager manager) throws IOException {
    Optional<SavedCheckpoint> latest = store.loadLatest();
    if (latest.isEmpty()) {
      return Optional.empty();
    }
    SavedCheckpoint c = latest.get();
    JsonNode s = JSON.readTree(c.file(STATE).toFile());
    try (NDManager scratch = manager.newSubManager()) {
      Map<String, NDArray> weights = Safetensors.read(c.file(ModelWeights.TENSORS), scratch).tensors();
      detr.loadStateDict(weights, false);
      Map<String, NDArray> moments = Safetensors.read(c.file(OPTIMIZER), scratch).tensors();
      Map<String, Long> steps = new HashMap<>();
      s.get("param_steps").fields().forEachRemaining(e -> steps.put(e.getKey(), e.getValue().asLong()));
      List<Double> lrs = new ArrayList<>();
      s.get("lrs").forEach(v -> lrs.add(v.asDouble()));
      optimizer.restore(new AdamWState(moments, steps, lrs));
    } catch (IllegalArgumentException e) {
      throw new IOException(c.dir() + ": " + e.getMessage(), e);
    }
    scheduler.restore(s.get("scheduler_last_epoch").asInt());
    return Optional.of(new Resumed(s.get("epochs_done").asInt(), s.get("step").asLong(), c.dir(),
        c.rejected(), s.get("config")));
  }
}

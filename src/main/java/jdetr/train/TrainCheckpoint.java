package jdetr.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jdetr.checkpoint.CheckpointStore;
import jdetr.checkpoint.CheckpointWriter;
import jdetr.checkpoint.DetrWeights;
import jdetr.checkpoint.ModelWeights;
import jdetr.checkpoint.Safetensors;
import jdetr.checkpoint.SavedCheckpoint;
import jdetr.engine.AdamW;
import jdetr.engine.AdamWState;
import jdetr.engine.EngineRandom;
import jdetr.engine.StepLR;
import jdetr.io.AtomicFiles;
import jdetr.model.DetectionTransformer;

/**
 * A training checkpoint (DESIGN §4): {@code model.safetensors} + {@code model.json} (a weights
 * directory {@code jdetr predict} can load), {@code optimizer.safetensors} (AdamW moments) and
 * {@code state.json}: the position (epochs done, step within the epoch, global step), the
 * scheduler, per-parameter AdamW step counts, group learning rates, the seed the randomness is
 * keyed by, the partial sums of the current epoch's averages, the epochs whose log line was still
 * waiting for an evaluation, the recipe, category names and the last metrics. Stored by
 * {@link CheckpointStore}.
 */
public final class TrainCheckpoint {
  public static final String OPTIMIZER = "optimizer.safetensors";
  public static final String STATE = DetrWeights.TRAINING_STATE;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the trainer knows besides the model and optimizer when it saves. */
  public record RunState(TrainPosition position, EpochMeter epochSoFar, List<RunLog.Unlogged> unlogged,
      Map<String, ?> metrics) {}

  /**
   * Where a resumed run continues.
   *
   * @param epochSoFar the meter of the interrupted epoch (empty at an epoch boundary)
   * @param unlogged epochs whose log line was waiting for an evaluation when the checkpoint was saved
   * @param savedSeed the seed the saved run's randomness was keyed by
   */
  public record Resumed(TrainPosition position, Path dir, List<String> rejected, JsonNode savedConfig,
      EpochMeter epochSoFar, List<RunLog.Unlogged> unlogged, long savedSeed) {

    public int epochsDone() {
      return position.epochsDone();
    }

    public long step() {
      return position.step();
    }
  }

  private TrainCheckpoint() {}

  /** Writes the checkpoint files of the current model, optimizer and scheduler. */
  public static CheckpointWriter writer(DetectionTransformer detr, AdamW optimizer, StepLR scheduler,
      RunState run, TrainConfig config, Map<Integer, String> categories, NDManager manager) {
    return dir -> {
      ModelWeights.save(dir, detr, categories);
      try (NDManager scratch = manager.newSubManager()) {
        AdamWState state = optimizer.state(scratch);
        Safetensors.write(dir.resolve(OPTIMIZER), state.moments(), Map.of("format", "pt"));
        AtomicFiles.writeBytes(dir.resolve(STATE), JSON.writerWithDefaultPrettyPrinter()
            .writeValueAsBytes(stateJson(state, scheduler, run, config, categories)));
      }
    };
  }

  /** Saves synchronously (stage and commit) at the run's position. */
  public static SavedCheckpoint save(CheckpointStore store, DetectionTransformer detr,
      AdamW optimizer,
      StepLR scheduler, RunState run, TrainConfig config, Map<Integer, String> categories,
      NDManager manager) {
    return store.save(run.position().step(),
        writer(detr, optimizer, scheduler, run, config, categories, manager));
  }

  private static ObjectNode stateJson(AdamWState state, StepLR scheduler, RunState run,
      TrainConfig config, Map<Integer, String> categories) {
    TrainPosition p = run.position();
    ObjectNode s = JSON.createObjectNode();
    s.put("format", "jdetr-train-state/2");
    s.put("epochs_done", p.epochsDone());
    s.put("epoch_step", p.epochStep());
    s.put("step", p.step());
    s.put("scheduler_last_epoch", scheduler.lastEpoch());
    s.set("lrs", JSON.valueToTree(state.lrs()));
    s.set("param_steps", JSON.valueToTree(state.steps()));
    ObjectNode rng = s.putObject("rng");
    rng.put("seed", config.seed());
    rng.put("data", "keyed by (seed, epoch, image index)");
    rng.put("engine", "reseeded from (seed, step) before every step");
    rng.put("next_step_engine_seed", EngineRandom.stepSeed(config.seed(), p.step()));
    if (run.epochSoFar() != null && p.midEpoch()) {
      ObjectNode meter = s.putObject("epoch_so_far");
      meter.put("steps", run.epochSoFar().steps());
      meter.set("sums", JSON.valueToTree(run.epochSoFar().sums()));
    }
    ArrayNode unlogged = s.putArray("unlogged_epochs");
    for (RunLog.Unlogged u : run.unlogged()) {
      ObjectNode o = unlogged.addObject();
      o.put("epoch", u.epoch()).put("step", u.step()).put("evaluate", u.evaluate());
      o.set("train", JSON.valueToTree(u.train()));
    }
    s.set("config", config.toJson());
    ObjectNode names = s.putObject("categories");
    categories.forEach((id, name) -> names.put(Integer.toString(id), name));
    s.set("metrics", JSON.valueToTree(run.metrics()));
    return s;
  }

  /**
   * Loads the newest good checkpoint into the model, optimizer and scheduler; empty when the store
   * holds none.
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
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IOException(c.dir() + ": " + e.getMessage(), e);
    }
    scheduler.restore(s.get("scheduler_last_epoch").asInt());
    TrainPosition position = new TrainPosition(s.get("epochs_done").asInt(),
        s.path("epoch_step").asInt(0), s.get("step").asLong());
    EpochMeter meter = null;
    JsonNode m = s.get("epoch_so_far");
    if (m != null && position.midEpoch()) {
      meter = EpochMeter.of(doubles(m.get("sums")), m.get("steps").asInt());
    }
    List<RunLog.Unlogged> unlogged = new ArrayList<>();
    for (JsonNode u : s.path("unlogged_epochs")) {
      unlogged.add(new RunLog.Unlogged(u.get("epoch").asInt(), u.get("step").asLong(),
          u.get("evaluate").asBoolean(), doubles(u.get("train"))));
    }
    long savedSeed = s.path("rng").path("seed").asLong(s.path("config").path("seed").asLong());
    return Optional.of(new Resumed(position, c.dir(), c.rejected(), s.get("config"), meter,
        unlogged, savedSeed));
  }

  private static Map<String, Double> doubles(JsonNode o) {
    Map<String, Double> out = new LinkedHashMap<>();
    o.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asDouble()));
    return out;
  }
}

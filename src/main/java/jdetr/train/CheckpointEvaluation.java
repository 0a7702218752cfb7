package jdetr.train;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import jdetr.checkpoint.DetrWeights;
import jdetr.data.CocoPaths;
import jdetr.data.transforms.ValTransform;
import jdetr.engine.DeviceSpec;
import jdetr.engine.EngineRandom;
import jdetr.engine.Precision;
import jdetr.eval.EvalResult;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrConfig;
import jdetr.model.InferenceCast;
import jdetr.model.ModelBuilder;

/**
 * COCO evaluation of saved training checkpoints on the val split of their recipe, in a model of
 * its own: the eval stage's logic. The model is built once per configuration and reloaded for each
 * checkpoint; the val split is read once per (data root, val size, batch size). Everything a
 * checkpoint needs comes from its own files ({@code model.json}, {@code state.json}), so the eval
 * stage may run on any node that sees the checkpoint directory. Used by one thread.
 */
public final class CheckpointEvaluation implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final NDManager manager;
  private final BooleanSupplier stopped;
  private final Precision precision;
  private final double scoreThreshold;
  private NDManager modelScope;
  private DetectionTransformer detr;
  private ValEvaluation val;
  private String valKey;

  public CheckpointEvaluation() {
    this(() -> false, DeviceSpec.CPU, Precision.FP32);
  }

  /**
   * Evaluations on {@code device} in {@code precision} (bf16: {@link InferenceCast}) that stop
   * before their next batch once {@code stopped} says so; their score-threshold monitor counts
   * the boxes the run's pictures draw ({@link RunFigures#PICTURE_SCORE}).
   */
  public CheckpointEvaluation(BooleanSupplier stopped, DeviceSpec device, Precision precision) {
    this(stopped, device, precision, RunFigures.PICTURE_SCORE);
  }

  /**
   * Evaluations whose score-threshold monitor ({@link EvalResult#atScore}) counts the boxes
   * scoring at least {@code scoreThreshold}.
   */
  public CheckpointEvaluation(BooleanSupplier stopped, DeviceSpec device, Precision precision,
      double scoreThreshold) {
    this.stopped = stopped;
    this.precision = precision;
    this.scoreThreshold = scoreThreshold;
    this.manager = device.newManager();
  }

  /**
   * Evaluates the checkpoint in {@code dir}; a failure is returned as a failed result naming it.
   *
   * @throws CancellationException when the evaluation was stopped (it has no result)
   */
  public EvalResult evaluate(Path dir, long step, int epoch) {
    long start = System.nanoTime();
    try {
      DetectionTransformer model;
      try (DetrWeights weights = DetrWeights.read(dir, DetrConfig.defaults(), manager)) {
        model = model(weights.config());
        weights.loadInto(model, false);
      }
      InferenceCast.apply(model, precision.dataType());
      Path stateFile = dir.resolve(TrainCheckpoint.STATE);
      if (!Files.isRegularFile(stateFile)) {
        throw new java.nio.file.NoSuchFileException(stateFile + ": missing (not a training checkpoint)");
      }
      JsonNode state = JSON.readTree(stateFile.toFile());
      TrainConfig recipe = TrainConfig.fromStored(state.get("config").toString());
      ValEvaluation.Stats stats = val(recipe).run(model, stopped);
      return stats.result(dir.toString(), step, epoch, seconds(start));
    } catch (CancellationException e) {
      throw e;
    } catch (Exception | OutOfMemoryError e) {
      return EvalResult.failed(dir.toString(), step, epoch, seconds(start),
          dir + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private DetectionTransformer model(DetrConfig config) {
    // a bf16 model is cast in place and cannot take the next checkpoint's float32 weights
    if (detr == null || !detr.config().equals(config) || precision != Precision.FP32) {
      if (modelScope != null) {
        modelScope.close();
      }
      modelScope = manager.newSubManager();
      // building draws initial weights from libtorch's shared generator: not during a train step
      detr = EngineRandom.exclusive(() -> ModelBuilder.build(config, modelScope));
    }
    return detr;
  }

  private ValEvaluation val(TrainConfig recipe) throws java.io.IOException {
    String key = recipe.dataRoot().toAbsolutePath() + "|" + recipe.data().format() + "|"
        + recipe.augmentation().valSize() + "|"
        + recipe.augmentation().maxSize() + "|" + recipe.batchSize();
    if (val == null || !key.equals(valKey)) {
      // an eval node of a synthetic recipe makes the dataset itself, as trainer and data nodes do
      CocoPaths paths = TrainData.openOrGenerate(recipe.data())[1];
      val = new ValEvaluation(paths, new ValTransform(recipe.augmentation()), recipe.batchSize(),
          scoreThreshold);
      valKey = key;
    }
    return val;
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  @Override
  public void close() {
    manager.close();
  }
}

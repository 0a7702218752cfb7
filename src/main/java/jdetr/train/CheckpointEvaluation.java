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
import jdetr.engine.EngineRandom;
import jdetr.eval.EvalResult;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrConfig;
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

  private final NDManager manager = NDManager.newBaseManager("PyTorch");
  private final BooleanSupplier stopped;
  private NDManager modelScope;
  private DetectionTransformer detr;
  private ValEvaluation val;
  private String valKey;

  public CheckpointEvaluation() {
    this(() -> false);
  }

  /** Evaluations that stop before their next batch once {@code stopped} says so. */
  public CheckpointEvaluation(BooleanSupplier stopped) {
    this.stopped = stopped;
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
      Path stateFile = dir.resolve(TrainCheckpoint.STATE);
      if (!Files.isRegularFile(stateFile)) {
        throw new java.nio.file.NoSuchFileException(stateFile + ": missing (not a training checkpoint)");
      }
      JsonNode state = JSON.readTree(stateFile.toFile());
      TrainConfig recipe = TrainConfig.fromStored(state.get("config").toString());
      double[] stats = val(recipe).run(model, stopped);
      return new EvalResult(dir.toString(), step, epoch, stats, seconds(start), "");
    } catch (CancellationException e) {
      throw e;
    } catch (Exception | OutOfMemoryError e) {
      return EvalResult.failed(dir.toString(), step, epoch, seconds(start),
          dir + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private DetectionTransformer model(DetrConfig config) {
    if (detr == null || !detr.config().equals(config)) {
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
    String key = recipe.dataRoot().toAbsolutePath() + "|" + recipe.augmentation().valSize() + "|"
        + recipe.augmentation().maxSize() + "|" + recipe.batchSize();
    if (val == null || !key.equals(valKey)) {
      // an eval node of a synthetic recipe makes the dataset itself, as trainer and data nodes do
      CocoPaths paths = TrainData.openOrGenerate(recipe.dataRoot(), recipe.synth())[1];
      val = new ValEvaluation(paths, new ValTransform(recipe.augmentation()), recipe.batchSize());
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

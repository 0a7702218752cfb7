package jdetr.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import jdetr.data.CocoDataset;
import jdetr.data.transforms.TrainTransform;
import jdetr.train.TrainConfig;
import jdetr.train.TrainData;
import jdetr.train.TrainProgress;
import jdetr.train.Trainer;

/**
 * Child-JVM program for test-matrix row K5: {@code train --sequential} of a recipe, its batches
 * loaded as the plain loop loads them except that every pixel of global step {@code nanStep} is
 * NaN. Exits with the command's status.
 *
 * <p>Arguments: recipe file, the global step to poison.
 */
public final class NanAtStepTrain {
  public static void main(String[] args) throws Exception {
    TrainConfig config = TrainConfig.load(Path.of(args[0]), List.of());
    long nanStep = Long.parseLong(args[1]);
    TrainData data = new TrainData(
        CocoDataset.open(TrainData.openOrGenerate(config.dataRoot(), config.synth())[0]),
        new TrainTransform(config.augmentation()), config.batchSize(), config.seed());
    int perEpoch = Math.min(config.maxStepsPerEpoch() > 0 ? config.maxStepsPerEpoch() : Integer.MAX_VALUE,
        data.stepsPerEpoch());
    TrainProgress progress = new TrainProgress(TrainProgress.Mode.LINES, System.out, 1);
    Trainer trainer = new Trainer(config, progress.messages()).withSources((epoch, step) ->
        CompletableFuture.supplyAsync(() -> {
          var batch = data.batch(epoch, step);
          if ((long) epoch * perEpoch + step == nanStep) {
            Arrays.fill(batch.pixels(), Float.NaN);
          }
          return batch;
        }), null);
    int status = TrainCommand.runSequential(trainer, progress, false);
    progress.close();
    System.exit(status);
  }
}

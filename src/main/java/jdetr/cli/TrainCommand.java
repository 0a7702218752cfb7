package jdetr.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import jdetr.checkpoint.CheckpointException;
import jdetr.loss.NonFiniteLossException;
import jdetr.train.TrainConfig;
import jdetr.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jdetr train}: trains DETR from a recipe in this JVM. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train DETR from a recipe (JSON over the reference defaults): per epoch a COCO"
        + " evaluation of the val split, a checkpoint and a log.jsonl line in the output directory.")
final class TrainCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "RECIPE", description = "Recipe JSON, e.g. conf/shapes-demo.json.")
  Path recipe;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Override a recipe value, dotted keys: --set lr=2e-4 --set data.root=DIR.")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--resume", description = "Continue from the newest good checkpoint of the output directory.")
  boolean resume;

  @Option(names = "--pipeline", description = "Run as Vert.x stages in this JVM (data, trainer and"
      + " matcher verticles over the local event bus), deployed from the descriptors in --stages.")
  boolean pipeline;

  @Option(names = "--stages", paramLabel = "DIR", defaultValue = "verticles",
      description = "Stage descriptors for --pipeline (default: ${DEFAULT-VALUE}).")
  Path stages;

  @Option(names = "--print-config", description = "Print the resolved recipe as JSON and exit.")
  boolean printConfig;

  @Override
  public Integer call() {
    TrainConfig config;
    try {
      config = TrainConfig.load(recipe, overrides);
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("jdetr train: " + e.getMessage());
      return 2;
    }
    if (printConfig) {
      System.out.println(config.toJson().toPrettyString());
      return 0;
    }
    if (pipeline) {
      return new TrainPipeline(config, stages, resume).run();
    }
    try {
      Trainer.Result r = new Trainer(config, System.out).run(resume);
      System.out.printf("finished: %d epochs, %d steps, last checkpoint %s%n", r.epochs(), r.steps(),
          r.checkpoint());
      return 0;
    } catch (NonFiniteLossException e) {
      System.err.println("jdetr train: " + e.getMessage() + "; stopping");
      return 1;
    } catch (IOException | UncheckedIOException | IllegalArgumentException | CheckpointException e) {
      System.err.println("jdetr train: " + e.getMessage());
      return 1;
    }
  }
}

package jdetr.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import jdetr.checkpoint.CheckpointException;
import jdetr.engine.TorchWork;
import jdetr.loss.NonFiniteLossException;
import jdetr.train.TrainConfig;
import jdetr.train.TrainProgress;
import jdetr.train.Trainer;
import jdetr.verticles.TrainPipeline;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jdetr train}: trains DETR from a recipe, as pipeline stages in this JVM or as a plain loop. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train DETR from a recipe (JSON over the reference defaults). The data, matcher,"
        + " trainer, checkpoint and eval stages run as Vert.x verticles on the local event bus: each"
        + " evaluated epoch's checkpoint is evaluated on the val split by the eval stage while"
        + " training goes on. The output directory gets log.jsonl (one line per epoch), steps.jsonl"
        + " (one line per step), checkpoints/, plots/ and predictions/. SIGTERM or SIGINT stops the"
        + " run after the running step (no extra checkpoint is written) and names the checkpoint"
        + " --resume continues from; the exit status is then 143 or 130.")
final class TrainCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "RECIPE", description = "Recipe JSON, e.g. conf/shapes-demo.json.")
  Path recipe;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Override a recipe value, dotted keys: --set lr=2e-4 --set data.root=DIR.")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--device", paramLabel = "DEVICE", description = "cpu, cuda or cuda:N: where the"
      + " model, every tensor of a step and the optimizer state live (the recipe key device; default cpu).")
  String device;

  @Option(names = "--resume", description = "Continue from the newest good checkpoint of the output"
      + " directory, at the step after it (a new learning rate given now is applied and logged).")
  boolean resume;

  @Option(names = "--sequential", description = "Run the plain loop on one thread instead of the"
      + " stages: checkpoints and evaluations happen between steps. Same parameters and losses.")
  boolean sequential;

  @Option(names = "--pipeline", hidden = true, description = "The stages (the default).")
  boolean pipeline;

  @Option(names = "--stages", paramLabel = "DIR", defaultValue = "verticles",
      description = "Stage descriptors to deploy (default: ${DEFAULT-VALUE}; the copies in the jar when it is absent).")
  Path stages;

  @Option(names = "--log-every", paramLabel = "N", defaultValue = "10",
      description = "Without a terminal (no progress bar), print a progress line every N steps"
          + " (default: ${DEFAULT-VALUE}).")
  int logEvery;

  @Option(names = "--print-config", description = "Print the resolved recipe as JSON and exit.")
  boolean printConfig;

  @Option(names = "--skip-validation", description = "Train without checking the dataset first"
      + " (annotations and image headers; errors stop the run before step 0 with exit code 2).")
  boolean skipValidation;

  @Override
  public Integer call() {
    TrainConfig config;
    try {
      if (device != null) {
        overrides.add("device=" + device);
      }
      config = TrainConfig.load(recipe, overrides);
      config.device().requireAvailable();
      if (logEvery < 1) {
        throw new IllegalArgumentException("--log-every " + logEvery + ": must be at least 1");
      }
      if (sequential && pipeline) {
        throw new IllegalArgumentException("--sequential and --pipeline exclude each other");
      }
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("jdetr train: " + e.getMessage());
      return 2;
    }
    if (printConfig) {
      System.out.println(config.toJson().toPrettyString());
      return 0;
    }
    if (!skipValidation && !PreFlight.passes(config, "jdetr train")) {
      return 2;
    }
    PrintStream stdout = System.out;
    TrainProgress progress = new TrainProgress(TrainProgress.detect(), stdout, logEvery);
    System.setOut(progress.messages());
    try {
      return sequential ? runSequential(config, progress)
          : new TrainPipeline(config, stages, resume, progress).run();
    } finally {
      progress.close();
      System.setOut(stdout);
    }
  }

  private int runSequential(TrainConfig config, TrainProgress progress) {
    return runSequential(new Trainer(config, progress.messages()), progress, resume);
  }

  /** Runs {@code trainer} as {@code train --sequential} does; the command's exit status. */
  static int runSequential(Trainer trainer, TrainProgress progress, boolean resume) {
    PrintStream out = progress.messages();
    try {
      Trainer.Result r = trainer
          .withStages(new jdetr.train.InlineCheckpoints(out), progress)
          .run(resume);
      progress.close();
      if (r.stoppedBy() != null) {
        return TorchWork.exitStatus(); // the trainer printed where it stopped
      }
      out.printf("finished: %d epochs, %d steps, last checkpoint %s%n", r.epochs(), r.steps(),
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

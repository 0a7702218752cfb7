package jdetr.cli;

import jdetr.engine.LibtorchSelection;
import jdetr.io.JsonLimits;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `jdetr` command line: one subcommand per job. */
@Command(
    name = "jdetr",
    mixinStandardHelpOptions = true,
    version = "jdetr 0.1.0",
    description = "DETR and Deformable DETR in Java: train, evaluate and serve transformer detectors.",
    subcommands = {
      CommandLine.HelpCommand.class,
      EngineCommand.class,
      TrainCommand.class,
      NodeCommand.class,
      PredictCommand.class,
      EvalCommand.class,
      SynthCommand.class,
      ValidateCommand.class,
      ImportCommand.class,
      ExportCommand.class,
      ServeCommand.class,
      BenchCommand.class
    })
public final class Main implements Runnable {

  static {
    // the libtorch natives shipped in the jar, offline, unless the user chose another libtorch
    LibtorchSelection.apply();
    System.setProperty("hazelcast.logging.type", "slf4j");
    System.setProperty("java.awt.headless", "true");
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  public static void main(String[] args) {
    JsonLimits.installAsDefault();
    System.exit(new CommandLine(new Main()).execute(args));
  }
}

package jdetr.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** `jdetr bench <what>`: speed measurements printed as JSON lines. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks; each prints one JSON line per measurement.",
    subcommands = {
      BenchDataCommand.class,
      BenchEvalCommand.class,
      BenchInferCommand.class,
      BenchServeCommand.class,
      BenchTrainCommand.class,
      MatcherBenchCommand.class
    })
final class BenchCommand implements Runnable {
  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}

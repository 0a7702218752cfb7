package jdetr.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code jdetr bench <what>}: speed measurements printed as JSON lines. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks; each prints JSON lines.",
    subcommands = {BenchEvalCommand.class})
final class BenchCommand implements Runnable {
  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}

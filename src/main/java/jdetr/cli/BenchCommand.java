package jdetr.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Benchmarks printed as JSON lines, one subcommand per measured job. */
@Command(name = "bench", description = "Measure speed; prints JSON lines.",
    subcommands = {BenchInferCommand.class})
final class BenchCommand implements Runnable {
  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}

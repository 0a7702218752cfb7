package jdetr.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** `jdetr bench <what>`: speed measurements printed as JSON lines. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure speed; each benchmark prints JSON lines.",
    subcommands = {BenchServeCommand.class})
final class BenchCommand implements Runnable {
  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}

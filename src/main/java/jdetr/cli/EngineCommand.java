package jdetr.cli;

import jdetr.engine.EngineInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Prints which libtorch jdetr loaded, its flavour and the devices it sees. */
@Command(name = "engine", mixinStandardHelpOptions = true,
    description = "Print the engine, its libtorch version and flavour, where it was loaded from, the devices"
        + " it sees (cpu, cuda:N) and whether the CPU has bf16 instructions.")
final class EngineCommand implements Runnable {

  @Option(names = "--json", description = "one JSON line instead of text")
  boolean json;

  @Override
  public void run() {
    EngineInfo info = EngineInfo.loaded();
    if (json) {
      System.out.println(info.toJson());
    } else {
      info.lines().forEach(System.out::println);
    }
  }
}

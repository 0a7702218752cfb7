package jdetr.cli;

import ai.djl.engine.Engine;
import picocli.CommandLine.Command;

/** Prints which deep-learning engine and native library jdetr runs on. */
@Command(name = "engine", mixinStandardHelpOptions = true, description = "Print the engine, its version and the threads it uses.")
final class EngineCommand implements Runnable {
  @Override
  public void run() {
    Engine engine = Engine.getEngine("PyTorch");
    System.out.printf("{\"engine\":\"%s\",\"version\":\"%s\",\"gpus\":%d,\"threads\":%d}%n",
        engine.getEngineName(), engine.getVersion(), engine.getGpuCount(),
        Runtime.getRuntime().availableProcessors());
  }
}

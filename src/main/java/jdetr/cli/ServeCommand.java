package jdetr.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import jdetr.serve.Detector;
import jdetr.serve.DetectorChoice;
import jdetr.serve.ServeConfig;
import jdetr.verticles.DetectionServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * `jdetr serve`: detection over HTTP and WebSocket, with the browser page at `/`. Deploys the
 * stages of role "serve" (verticles/60-detector.json, verticles/70-server.json) with the resolved
 * settings: defaults, then conf/serve.json or --conf, then --set, then --port.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Serve detection: POST /v1/detect, WebSocket /v1/stream, the page at /, /health/live, "
        + "/health/ready, /metrics.",
        "Prints JSON lines {\"event\":\"listening\",...} and {\"event\":\"ready\",...} on stdout; stops on SIGTERM/SIGINT."})
final class ServeCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  DetectorOptions detector;

  @Option(names = "--port", description = "TCP port (0: any free port); overrides the config.")
  Integer port;

  @Option(names = "--conf", paramLabel = "<file>",
      description = "JSON overrides of the serve defaults (default: conf/serve.json if it exists).")
  Path conf;

  @Option(names = "--set", paramLabel = "key=value", description = "Override one config key (repeatable).")
  List<String> settings = List.of();

  @Option(names = "--verticles", defaultValue = "verticles", paramLabel = "<dir>",
      description = "Directory of stage descriptors; the stages of role serve are deployed (default: ${DEFAULT-VALUE}; the copies in the jar when it is absent).")
  Path verticles;

  @Override
  public Integer call() throws Exception {
    ServeConfig config = resolve(spec, conf, detector.weights, settings, port);
    DetectorChoice choice = detector.choice();
    System.err.println("serve config: " + config.toRedactedJson());
    DetectionServer server;
    try {
      server = DetectionServer.start(config, choice, verticles);
    } catch (IllegalArgumentException e) {
      System.err.println("jdetr serve: " + e.getMessage() + " (run from the jdetr directory, or give --verticles <dir>)");
      return 2;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.close();
      } catch (Exception e) {
        System.err.println("error while stopping: " + e);
      } finally {
        stopped.countDown();
      }
    }, "jdetr-serve-stop"));
    System.out.printf("{\"event\":\"listening\",\"port\":%d}%n", server.port());
    System.out.flush();
    Detector<?> d;
    try {
      d = server.loaded().get();
    } catch (ExecutionException e) {
      System.err.println("serve: the detector could not be loaded: " + e.getCause());
      server.close();
      return 1;
    }
    System.out.printf("{\"event\":\"ready\",\"detector\":\"%s\",\"classes\":%d}%n",
        d.description().replace("\"", "'"), d.classNames().size());
    System.out.flush();
    stopped.await();
    return 0;
  }

  /** {@link ServeConfig#resolve}, its errors reported as picocli's usage errors. */
  static ServeConfig resolve(CommandSpec spec, Path conf, Path weights, List<String> settings,
      Integer port) {
    try {
      return ServeConfig.resolve(conf, weights, settings, port);
    } catch (IllegalArgumentException | IOException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}

package jdetr.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import jdetr.bench.ServeBenchRun;
import jdetr.serve.DetectorChoice;
import jdetr.serve.ServeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `jdetr bench serve`: the options of {@link ServeBenchRun}. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Drive N streams on loopback in rounds between raw rounds of the same detector on the same "
        + "frames; print served fps, latency percentiles and the served/raw ratios as JSON lines.")
final class BenchServeCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  DetectorOptions detector;

  @Option(names = "--streams", defaultValue = "16", description = "Concurrent streams (default ${DEFAULT-VALUE}).")
  int streams;

  @Option(names = "--seconds", defaultValue = "10",
      description = "Sending time of each served round (default ${DEFAULT-VALUE}).")
  double seconds;

  @Option(names = "--rounds", defaultValue = "3",
      description = "Served rounds, each between two raw rounds (default ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--warmup-seconds", defaultValue = "10",
      description = "Served warm-up before the measured rounds, not counted (default ${DEFAULT-VALUE}).")
  double warmupSeconds;

  @Option(names = "--raw-seconds", defaultValue = "5",
      description = "Time of each raw round (default ${DEFAULT-VALUE}).")
  double rawSeconds;

  @Option(names = "--in-flight", defaultValue = "2", description = "Unanswered frames per stream (default ${DEFAULT-VALUE}).")
  int inFlight;

  @Option(names = "--fps", defaultValue = "0", description = "Frames per second per stream; 0: as fast as answers come.")
  double fps;

  @Option(names = "--width", defaultValue = "640") int width;
  @Option(names = "--height", defaultValue = "480") int height;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Server host with --port.")
  String host;

  @Option(names = "--port", description = "Bench a running server on this port instead of starting one.")
  Integer port;

  @Option(names = "--conf", paramLabel = "<file>", description = "Serve config for the server started here.")
  Path conf;

  @Option(names = "--set", paramLabel = "key=value", description = "Override one serve config key (repeatable).")
  List<String> settings = List.of();

  @Option(names = "--verticles", defaultValue = "verticles", paramLabel = "<dir>",
      description = "Stage descriptors of the server started here (default: ${DEFAULT-VALUE}; the copies in the jar when it is absent).")
  Path verticles;

  @Option(names = "--token", paramLabel = "<token>",
      description = "Bearer token for a server that requires one (default: the token of the serve config).")
  String token;

  @Option(names = "--token-file", paramLabel = "<file>",
      description = "Read the bearer token from this file (keeps it off the command line).")
  Path tokenFile;

  @Override
  public Integer call() throws Exception {
    ServeConfig config = ServeCommand.resolve(spec, conf, detector.weights, settings, 0)
        .withSetting("host", "\"127.0.0.1\"");
    String bearer = bearerToken(config);
    DetectorChoice choice = port == null ? detector.choice() : null;
    return new ServeBenchRun(config, choice, verticles, host, port, bearer, streams, seconds, rounds,
        warmupSeconds, rawSeconds, inFlight, fps, width, height).run();
  }

  /** --token, else --token-file, else the token of the serve config (for the server started here). */
  private String bearerToken(ServeConfig config) throws IOException {
    if (token != null && tokenFile != null) {
      throw new ParameterException(spec.commandLine(), "give --token or --token-file, not both");
    }
    if (token != null) {
      return token;
    }
    if (tokenFile != null) {
      if (!Files.isRegularFile(tokenFile)) {
        throw new ParameterException(spec.commandLine(), "--token-file " + tokenFile + ": no such file");
      }
      String t = Files.readString(tokenFile).strip();
      if (t.isEmpty()) {
        throw new ParameterException(spec.commandLine(), "--token-file " + tokenFile + " is empty");
      }
      return t;
    }
    return config.token();
  }
}

package jdetr.cli;

import io.micrometer.core.instrument.DistributionSummary;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import jdetr.data.RgbImage;
import jdetr.serve.Detector;
import jdetr.serve.FrameDecoder;
import jdetr.serve.ServeConfig;
import jdetr.serve.ShapesScene;
import jdetr.serve.StreamLoadClient;
import jdetr.verticles.DetectionServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * `jdetr bench serve`: N WebSocket streams on loopback against a server (started in this JVM
 * unless --port names a running one), then the raw batched detector throughput on the same frames.
 * Prints JSON lines: kind=bench (settings), served (fps, latency percentiles, the server's mean
 * timings, CPU seconds), raw, ratio. The ratios are given on wall time, from the served rate while
 * the streams send (without the partial batches of the last answers), and on CPU time: the served
 * run's CPU time is this process's minus the load client's threads', so a loaded machine skews
 * them less.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Drive N streams on loopback; print served fps and latency percentiles, and the raw "
        + "detector throughput on the same frames, as JSON lines.")
final class BenchServeCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  DetectorOptions detector;

  @Option(names = "--streams", defaultValue = "16", description = "Concurrent streams (default ${DEFAULT-VALUE}).")
  int streams;

  @Option(names = "--seconds", defaultValue = "30", description = "Sending time (default ${DEFAULT-VALUE}).")
  double seconds;

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
      description = "Stage descriptors of the server started here (default: ${DEFAULT-VALUE}).")
  Path verticles;

  @Option(names = "--token", paramLabel = "<token>",
      description = "Bearer token for a server that requires one (default: the token of the serve config).")
  String token;

  @Option(names = "--token-file", paramLabel = "<file>",
      description = "Read the bearer token from this file (keeps it off the command line).")
  Path tokenFile;

  @Override
  public Integer call() throws Exception {
    List<byte[]> frames = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      ShapesScene scene = ShapesScene.random(1000 + i, width, height, 4, 0);
      frames.add(ShapesScene.jpeg(scene.render(0), 0.8f));
    }
    ServeConfig config = ServeCommand.resolve(spec, conf, settings, 0).withSetting("host", "\"127.0.0.1\"");
    String bearer = bearerToken(config);
    DetectionServer server = null;
    if (port == null) {
      server = DetectionServer.start(config, detector.choice(), verticles);
      server.loaded().get();
    }
    int target = server == null ? port : server.port();
    System.out.println(new JsonObject().put("kind", "bench").put("streams", streams).put("seconds", seconds)
        .put("in_flight", inFlight).put("fps_per_stream", fps).put("width", width).put("height", height)
        .put("server", server == null ? host + ":" + target : "in-process").put("max_batch", config.maxBatch())
        .put("max_delay_ms", config.maxDelayMs()).put("cores", Runtime.getRuntime().availableProcessors()).encode());
    warmUp(server == null ? host : "127.0.0.1", target, frames.get(0), bearer);
    long heapBefore = usedHeapAfterGc();
    Vertx vertx = Vertx.vertx();
    StreamLoadClient.Report report;
    long cpuBefore = processCpuNanos();
    try {
      report = StreamLoadClient.run(vertx, new StreamLoadClient.Options(
          server == null ? host : "127.0.0.1", target, "threshold=0.5", streams, seconds, inFlight, fps, frames,
          bearer));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
    double servedCpu = (processCpuNanos() - cpuBefore) / 1e9;
    double serverCpu = servedCpu - report.clientCpuNanos() / 1e9;
    JsonObject served = new JsonObject(report.toJson())
        .put("balanced", report.sent() == report.processed() + report.dropped() + report.errors() + report.unanswered());
    if (server != null) {
      served.put("process_cpu_s", round(servedCpu)).put("server_cpu_s", round(serverCpu))
          .put("frames_per_server_cpu_s", round(report.processed() / serverCpu));
    }
    if (server != null) {
      DistributionSummary batches = server.registry().find("jdetr.batch.size").summary();
      served.put("mean_batch", batches == null ? 0 : Math.round(batches.mean() * 100) / 100.0);
      served.put("heap_mb_before", heapBefore >> 20).put("heap_mb_after", usedHeapAfterGc() >> 20);
      server.close();
    }
    System.out.println(served.encode());
    if (server == null) {
      return report.errors() == 0 && report.streamFailures() == 0 ? 0 : 1;
    }

    // raw throughput of the same detector on the same frames, batched as the server batches
    try (Detector<?> d = detector.choice().factory().create(config)) {
      double rawSeconds = Math.max(2, Math.min(10, seconds / 3));
      printRaw(d, new FrameDecoder(config.maxImagePixels()), frames, config.maxBatch(), rawSeconds, report,
          report.processed() / serverCpu);
    }
    return report.errors() == 0 && report.streamFailures() == 0 ? 0 : 1;
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

  /** One request through the server first, so that the measured run does not include warm-up. */
  private static void warmUp(String host, int port, byte[] frame, String bearer) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/v1/detect"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(frame));
    if (bearer != null) {
      request.header("Authorization", "Bearer " + bearer);
    }
    HttpResponse<String> r = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() == 401) {
      throw new IllegalStateException("warm-up request refused: HTTP 401 " + r.body()
          + (bearer == null ? " (the server needs a token: --token or --token-file)" : " (wrong token?)"));
    }
    if (r.statusCode() != 200) {
      throw new IllegalStateException("warm-up request failed: HTTP " + r.statusCode() + " " + r.body());
    }
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  private static double round3(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  private static long usedHeapAfterGc() {
    Runtime rt = Runtime.getRuntime();
    System.gc();
    return rt.totalMemory() - rt.freeMemory();
  }

  /**
   * Prints the raw throughputs of one thread running, batch after batch: the model on prepared
   * frames; prepare and model on decoded frames (what {@code detectFrames} does, the reference of
   * the serving ratio); decode, prepare and model on the encoded frames. Then the ratios.
   */
  private static <I> void printRaw(Detector<I> d, FrameDecoder decoder, List<byte[]> frames, int batch,
      double seconds, StreamLoadClient.Report report, double servedPerCpu) throws Exception {
    List<RgbImage> decoded = new ArrayList<>();
    for (byte[] f : frames) {
      decoded.add(decoder.decode(f, 0, f.length));
    }
    List<I> prepared = new ArrayList<>();
    for (RgbImage image : decoded) {
      prepared.add(d.prepare(image));
    }
    rawFps(batch, 0, k -> d.detectFrames(batchOf(decoded, k, batch))); // one warm-up batch
    double[] modelOnly = rawFps(batch, seconds, k -> d.detect(batchOf(prepared, k, batch)));
    double[] model = rawFps(batch, seconds, k -> d.detectFrames(batchOf(decoded, k, batch)));
    double[] pipeline = rawFps(batch, seconds, k -> {
      List<RgbImage> input = new ArrayList<>(batch);
      for (byte[] f : batchOf(frames, k, batch)) {
        input.add(decoder.decode(f, 0, f.length));
      }
      d.detectFrames(input);
    });
    System.out.println(new JsonObject().put("kind", "raw").put("batch", batch)
        .put("prepared_model_fps", round(modelOnly[0])).put("prepared_model_frames_per_cpu_s", round(modelOnly[1]))
        .put("model_fps", round(model[0])).put("model_frames_per_cpu_s", round(model[1]))
        .put("decode_and_model_fps", round(pipeline[0]))
        .put("decode_and_model_frames_per_cpu_s", round(pipeline[1])).encode());
    System.out.println(new JsonObject().put("kind", "ratio")
        .put("served_over_model", round3(report.fpsWhileSending() / model[0]))
        .put("served_over_model_cpu", round3(servedPerCpu / model[1]))
        .put("served_over_prepared_model", round3(report.fpsWhileSending() / modelOnly[0]))
        .put("served_over_prepared_model_cpu", round3(servedPerCpu / modelOnly[1]))
        .put("served_over_decode_and_model", round3(report.fpsWhileSending() / pipeline[0]))
        .put("served_over_decode_and_model_cpu", round3(servedPerCpu / pipeline[1])).encode());
  }

  /** The k-th batch of {@code size} items, cycling through the list. */
  private static <T> List<T> batchOf(List<T> items, long k, int size) {
    List<T> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      out.add(items.get((int) ((k * size + i) % items.size())));
    }
    return out;
  }

  /** One batch of work, the k-th. */
  private interface BatchRun {
    void run(long k) throws Exception;
  }

  /**
   * Images per second of batches run one after another on this thread, for at least three batches
   * and {@code seconds}: {wall-clock rate, images per CPU second of the process}.
   */
  private static double[] rawFps(int batch, double seconds, BatchRun work) throws Exception {
    long cpuStart = processCpuNanos();
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    long images = 0;
    for (long k = 0; images < 3L * batch || System.nanoTime() < end; k++) {
      work.run(k);
      images += batch;
    }
    double wall = (System.nanoTime() - start) / 1e9;
    double cpu = (processCpuNanos() - cpuStart) / 1e9;
    return new double[] {images / wall, images / cpu};
  }
}

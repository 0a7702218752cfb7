package jdetr.bench;

import io.micrometer.core.instrument.DistributionSummary;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import jdetr.data.ImageDecoder;
import jdetr.data.ImageLimits;
import jdetr.engine.TorchWork;
import jdetr.serve.Detector;
import jdetr.serve.DetectorChoice;
import jdetr.serve.ServeConfig;
import jdetr.serve.ShapesScene;
import jdetr.verticles.DetectionServer;

/**
 * `jdetr bench serve`: N WebSocket streams on loopback against a server started in this JVM (or a
 * running one, --port), and the raw batched throughput of the same detector on the same frames.
 *
 * <p>After a served warm-up round (round 0, not counted), served and raw rounds alternate: raw,
 * served, raw, … On a shared machine the speed available changes from one minute to the next, so
 * each served round is compared with the mean of the raw rounds around it. Prints JSON lines:
 * kind=bench (settings); kind=raw and kind=served per round (served: the rate while sending,
 * latency percentiles, the server's mean timings, the server's CPU seconds, i.e. this process's
 * minus the load client's threads', with and without the JIT compiler's); kind=ratio (per round
 * and median, on wall time, on CPU time and on CPU time without the JIT compiler; the reference is
 * {@code model}: prepare and model on decoded frames); and once the model on prepared frames and
 * decode + model.
 *
 * @param config the serve config of the server started here (its batching is reported either way)
 * @param detector the detector of the server started here and of the raw rounds; null with a port
 * @param verticles stage descriptors of the server started here
 * @param host the running server's host, with a port
 * @param port a running server's port, or null to start one here
 * @param bearer the bearer token sent, or null
 * @param streams concurrent streams
 * @param seconds sending time of each served round
 * @param rounds served rounds, each between two raw rounds
 * @param warmupSeconds served warm-up before the measured rounds
 * @param rawSeconds time of each raw round
 * @param inFlight unanswered frames per stream
 * @param fps frames per second per stream; 0: as fast as answers come
 * @param width frame width
 * @param height frame height
 */
public record ServeBenchRun(ServeConfig config, DetectorChoice detector, Path verticles, String host,
    Integer port, String bearer, int streams, double seconds, int rounds, double warmupSeconds,
    double rawSeconds, int inFlight, double fps, int width, int height) {

  /** Runs the rounds and prints the JSON lines; 1 when a round had errors or the run was stopped. */
  public int run() throws Exception {
    List<byte[]> frames = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      ShapesScene scene = ShapesScene.random(1000 + i, width, height, 4, 0);
      frames.add(ShapesScene.jpeg(scene.render(0), 0.8f));
    }
    System.out.println(new JsonObject().put("kind", "bench").put("streams", streams).put("seconds", seconds)
        .put("rounds", port == null ? rounds : 1).put("raw_seconds", rawSeconds)
        .put("in_flight", inFlight).put("fps_per_stream", fps).put("width", width).put("height", height)
        .put("server", port == null ? "in-process" : host + ":" + port).put("max_batch", config.maxBatch())
        .put("max_delay_ms", config.maxDelayMs()).put("cores", Runtime.getRuntime().availableProcessors()).encode());
    if (port != null) {
      warmUp(host, port, frames.get(0), bearer);
      StreamLoadClient.Report report = servedRound(host, port, frames, bearer, 1, null).report();
      return report.errors() == 0 && report.streamFailures() == 0 ? 0 : 1;
    }
    DetectionServer server = DetectionServer.start(config, detector, verticles);
    // the JVM's exit (Ctrl-C, SIGTERM) waits for the raw detector's running batch, then the bench stops
    try (TorchWork.Scope work = TorchWork.enter("benchmark");
        Detector<?> raw = detector.factory().create(config)) {
      server.loaded().get();
      warmUp("127.0.0.1", server.port(), frames.get(0), bearer);
      return rounds(server, raw, config, frames, bearer, work::stopRequested);
    } finally {
      server.close();
    }
  }

  /** Raw, served, raw, …, raw; then the ratios. Stopped, it prints no ratios and returns 1. */
  private <I> int rounds(DetectionServer server, Detector<I> d, ServeConfig config, List<byte[]> frames,
      String bearer, BooleanSupplier stopped) throws Exception {
    ImageDecoder decoder = new ImageDecoder(ImageLimits.withMaxPixels(config.maxImagePixels()));
    RawThroughput<I> raw = new RawThroughput<>(d, decoder, frames, config.maxBatch(), stopped);
    raw.model(0); // warm-up: three batches
    if (warmupSeconds > 0) {
      servedRound("127.0.0.1", server.port(), frames, bearer, 0, server, warmupSeconds);
    }
    List<RawThroughput.Rate> raws = new ArrayList<>();
    List<Served> served = new ArrayList<>();
    boolean clean = true;
    for (int round = 0; round <= rounds; round++) {
      if (round > 0) {
        Served s = servedRound("127.0.0.1", server.port(), frames, bearer, round, server);
        clean &= s.report().errors() == 0 && s.report().streamFailures() == 0;
        served.add(s);
      }
      RawThroughput.Rate rate = raw.model(rawSeconds);
      if (stopped.getAsBoolean()) {
        return 1;
      }
      raws.add(printRaw(rate, round));
    }
    double[] wall = new double[rounds];
    double[] cpu = new double[rounds];
    double[] work = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      RawThroughput.Rate before = raws.get(i);
      RawThroughput.Rate after = raws.get(i + 1);
      wall[i] = served.get(i).report().fpsWhileSending() / ((before.fps() + after.fps()) / 2);
      cpu[i] = served.get(i).framesPerServerCpuSecond()
          / ((before.framesPerCpuSecond() + after.framesPerCpuSecond()) / 2);
      work[i] = served.get(i).framesPerServerWorkCpuSecond()
          / ((before.framesPerWorkCpuSecond() + after.framesPerWorkCpuSecond()) / 2);
    }
    RawThroughput.Rate prepared = raw.preparedModel(rawSeconds);
    RawThroughput.Rate decodeAndModel = raw.decodeAndModel(rawSeconds);
    if (stopped.getAsBoolean()) {
      return 1;
    }
    System.out.println(new JsonObject().put("kind", "raw").put("what", "prepared_model")
        .put("fps", round(prepared.fps())).put("frames_per_cpu_s", round(prepared.framesPerCpuSecond())).encode());
    System.out.println(new JsonObject().put("kind", "raw").put("what", "decode_and_model")
        .put("fps", round(decodeAndModel.fps())).put("frames_per_cpu_s", round(decodeAndModel.framesPerCpuSecond()))
        .encode());
    System.out.println(new JsonObject().put("kind", "ratio").put("reference", "model")
        .put("served_over_model", round3(median(wall))).put("served_over_model_cpu", round3(median(cpu)))
        .put("served_over_model_cpu_without_jit", round3(median(work)))
        .put("rounds_wall", rounded(wall)).put("rounds_cpu", rounded(cpu)).put("rounds_cpu_without_jit", rounded(work))
        .encode());
    return clean ? 0 : 1;
  }

  private static JsonArray rounded(double[] values) {
    return new JsonArray(Arrays.stream(values).map(ServeBenchRun::round3).boxed().toList());
  }

  private static RawThroughput.Rate printRaw(RawThroughput.Rate r, int after) {
    System.out.println(new JsonObject().put("kind", "raw").put("what", "model").put("after_round", after)
        .put("fps", round(r.fps())).put("frames_per_cpu_s", round(r.framesPerCpuSecond()))
        .put("frames_per_cpu_s_without_jit", round(r.framesPerWorkCpuSecond())).encode());
    return r;
  }

  /**
   * A served round and the server's CPU seconds during it, with and without the JIT compiler's
   * (NaN for a server in another process).
   */
  private record Served(StreamLoadClient.Report report, double serverCpuSeconds, double serverWorkCpuSeconds) {
    double framesPerServerCpuSecond() {
      return report.processed() / serverCpuSeconds;
    }

    double framesPerServerWorkCpuSecond() {
      return report.processed() / serverWorkCpuSeconds;
    }
  }

  private Served servedRound(String host, int port, List<byte[]> frames, String bearer, int round,
      DetectionServer server) throws Exception {
    return servedRound(host, port, frames, bearer, round, server, seconds);
  }

  /**
   * One served round (round 0: the warm-up) on a fresh client Vert.x, so that its threads' CPU time
   * is this round's.
   */
  private Served servedRound(String host, int port, List<byte[]> frames, String bearer, int round,
      DetectionServer server, double roundSeconds) throws Exception {
    double batches0 = batchCount(server);
    double batchSum0 = batchSum(server);
    Vertx vertx = Vertx.vertx();
    StreamLoadClient.Report report;
    long cpuBefore = ProcessCpu.totalNanos();
    long compilerBefore = ProcessCpu.compilerNanos();
    try {
      report = StreamLoadClient.run(vertx, new StreamLoadClient.Options(host, port, "threshold=0.5", streams,
          roundSeconds, inFlight, fps, frames, bearer));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
    double processCpu = (ProcessCpu.totalNanos() - cpuBefore) / 1e9;
    double compilerCpu = (ProcessCpu.compilerNanos() - compilerBefore) / 1e9;
    double serverCpu = server == null ? Double.NaN : processCpu - report.clientCpuNanos() / 1e9;
    JsonObject served = new JsonObject(report.toJson()).put("round", round)
        .put("balanced", report.sent() == report.processed() + report.dropped() + report.errors() + report.unanswered());
    if (server != null) {
      double batches = batchCount(server) - batches0;
      served.put("mean_batch", batches == 0 ? 0 : round((batchSum(server) - batchSum0) / batches))
          .put("process_cpu_s", round(processCpu)).put("jit_cpu_s", round(compilerCpu))
          .put("server_cpu_s", round(serverCpu))
          .put("frames_per_server_cpu_s", round(report.processed() / serverCpu))
          .put("frames_per_server_cpu_s_without_jit", round(report.processed() / (serverCpu - compilerCpu)));
    }
    System.out.println(served.encode());
    return new Served(report, serverCpu, serverCpu - compilerCpu);
  }

  private static double batchCount(DetectionServer server) {
    DistributionSummary s = server == null ? null : server.registry().find("jdetr.batch.size").summary();
    return s == null ? 0 : s.count();
  }

  private static double batchSum(DetectionServer server) {
    DistributionSummary s = server == null ? null : server.registry().find("jdetr.batch.size").summary();
    return s == null ? 0 : s.totalAmount();
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
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

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  private static double round3(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}

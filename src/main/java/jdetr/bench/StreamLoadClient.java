package jdetr.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Drives N WebSocket streams against a server, each keeping at most {@code inFlight} frames
 * unanswered (like the page), optionally paced to {@code fps} per stream, for a fixed time; then
 * waits for the last answers and reports counts and send-to-result latency percentiles. A frame
 * counts as answered when its result, its error, or a later result covering it as dropped arrives.
 * The report also holds the means of the server's own timings (decode, prepare, inference, total)
 * and the CPU time of the client's threads, so that a benchmark in the server's JVM can tell the
 * server's CPU time from the client's.
 */
public final class StreamLoadClient {

  /**
   * @param host server host
   * @param port server port
   * @param query query string appended to /v1/stream (may be empty), e.g. "threshold=0.5"
   * @param streams concurrent streams
   * @param seconds how long to send
   * @param inFlight most unanswered frames per stream
   * @param fps frames per second per stream; 0 sends whenever fewer than inFlight are unanswered
   * @param frames encoded images, sent in turn
   * @param token bearer token sent with the upgrade request, or null
   */
  public record Options(String host, int port, String query, int streams, double seconds, int inFlight,
      double fps, List<byte[]> frames, String token) {

    /** Options without a token. */
    public Options(String host, int port, String query, int streams, double seconds, int inFlight,
        double fps, List<byte[]> frames) {
      this(host, port, query, streams, seconds, inFlight, fps, frames, null);
    }
  }

  /**
   * Means over the processed frames of the timings the server reports with each result.
   *
   * @param decodeMs image decoding
   * @param prepareMs model input preparation (resize, normalise), 0 if not reported
   * @param inferMs detector time of the batch the frame ran in
   * @param totalMs from the frame's arrival at the server to its result
   * @param batch frames per batch
   */
  public record ServerTimings(double decodeMs, double prepareMs, double inferMs, double totalMs, double batch) {}

  /**
   * What happened.
   *
   * @param sent frames sent
   * @param processed results with detections
   * @param dropped frames the server reported dropped
   * @param errors error answers
   * @param unanswered frames without any answer when the run ended
   * @param streamFailures streams that failed to connect or closed before the end
   * @param seconds from the start of sending to the last result
   * @param processedWhileSending results with detections that arrived before sending stopped
   * @param latenciesMs send-to-result latency of every processed frame, sorted
   * @param server means of the server-side timings of the processed frames
   * @param clientCpuNanos CPU time of the threads that ran the client's streams
   */
  public record Report(int streams, double seconds, long sent, long processed, long dropped, long errors,
      long unanswered, int streamFailures, double[] latenciesMs, ServerTimings server, long clientCpuNanos,
      double sendingSeconds, long processedWhileSending) {

    /** Results per second from the start of sending to the last result (the last answers included). */
    public double fps() {
      return processed / seconds;
    }

    /**
     * Results per second while the streams were sending: the steady rate, without the partial
     * batches of the last answers after sending stopped.
     */
    public double fpsWhileSending() {
      return processedWhileSending / sendingSeconds;
    }

    /** The q-quantile of latency (nearest rank), NaN without results. */
    public double latencyMs(double q) {
      if (latenciesMs.length == 0) {
        return Double.NaN;
      }
      int rank = (int) Math.ceil(q * latenciesMs.length);
      return latenciesMs[Math.max(0, Math.min(latenciesMs.length - 1, rank - 1))];
    }

    public String toJson() {
      return new JsonObject()
          .put("kind", "served").put("streams", streams).put("seconds", round(seconds))
          .put("sent", sent).put("processed", processed).put("dropped", dropped).put("errors", errors)
          .put("unanswered", unanswered).put("stream_failures", streamFailures)
          .put("fps", round(fps())).put("fps_while_sending", round(fpsWhileSending())).put("p50_ms", round(latencyMs(0.5))).put("p90_ms", round(latencyMs(0.9)))
          .put("p99_ms", round(latencyMs(0.99))).put("max_ms", round(latencyMs(1.0)))
          .put("server_decode_ms", round(server.decodeMs())).put("server_prepare_ms", round(server.prepareMs()))
          .put("server_infer_ms", round(server.inferMs())).put("server_total_ms", round(server.totalMs()))
          .put("server_batch", round(server.batch()))
          .put("client_cpu_s", round(clientCpuNanos / 1e9))
          .encode();
    }

    private static double round(double v) {
      return Double.isNaN(v) ? -1 : Math.round(v * 100) / 100.0;
    }
  }

  private StreamLoadClient() {}

  private static long drainMillis(Options o) {
    return Math.max(10_000, (long) (o.seconds() * 1000));
  }

  /** Runs the load and blocks until done (call off the Vert.x threads). */
  public static Report run(Vertx vertx, Options o) throws Exception {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20));
    List<Stream> streams = new ArrayList<>();
    List<Future<Void>> connected = new ArrayList<>();
    for (int i = 0; i < o.streams(); i++) {
      Stream s = new Stream(vertx, o, i);
      streams.add(s);
      connected.add(s.connect(client));
    }
    // every stream connects first, then all send for the same time
    Future.join(connected).toCompletionStage().toCompletableFuture().exceptionally(e -> null)
        .get(60, TimeUnit.SECONDS);
    long sendUntil = System.nanoTime() + (long) (o.seconds() * 1e9);
    List<Future<Void>> done = new ArrayList<>();
    for (Stream s : streams) {
      done.add(s.start(sendUntil));
    }
    try {
      Future.join(done).toCompletionStage().toCompletableFuture()
          .get((long) o.seconds() * 1000 + drainMillis(o) + 60_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // streams that did not finish are reported as failures below
    }
    long sent = 0, processed = 0, processedWhileSending = 0, dropped = 0, errors = 0, unanswered = 0;
    long lastResult = sendUntil;
    int failures = 0;
    double[] timingSums = new double[5];
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    List<double[]> all = new ArrayList<>();
    for (Stream s : streams) {
      synchronized (s) {
        threads.addAll(s.threads);
        for (int k = 0; k < timingSums.length; k++) {
          timingSums[k] += s.timingSums[k];
        }
        sent += s.sent;
        processedWhileSending += s.processedWhileSending;
        processed += s.processed;
        dropped += s.dropped;
        errors += s.errors;
        unanswered += s.inFlight.size();
        failures += s.failed ? 1 : 0;
        lastResult = Math.max(lastResult, s.lastResultNanos);
        all.add(Arrays.copyOf(s.latencies, s.count));
      }
    }
    double[] latencies = all.stream().flatMapToDouble(Arrays::stream).sorted().toArray();
    long clientCpu = cpuNanos(threads);
    client.close();
    // from the start of sending to the last result (the answers to the last frames count too)
    double seconds = o.seconds() + (lastResult - sendUntil) / 1e9;
    double n = Math.max(1, processed);
    ServerTimings server = new ServerTimings(timingSums[0] / n, timingSums[1] / n, timingSums[2] / n,
        timingSums[3] / n, timingSums[4] / n);
    return new Report(o.streams(), seconds, sent, processed, dropped, errors, unanswered, failures, latencies,
        server, clientCpu, o.seconds(), processedWhileSending);
  }

  /** CPU time used so far by these threads (0 where the JVM does not measure thread CPU time). */
  private static long cpuNanos(Set<Thread> threads) {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long total = 0;
    for (Thread t : threads) {
      long cpu = mx.isThreadCpuTimeSupported() ? mx.getThreadCpuTime(t.getId()) : -1;
      total += Math.max(0, cpu);
    }
    return total;
  }

  /** One stream; all its callbacks run on one event loop. */
  private static final class Stream {
    private final Vertx vertx;
    private final Options o;
    private final int index;
    private long sendUntil;
    private final Map<Long, Long> inFlight = new LinkedHashMap<>(); // frame id -> send time
    private final Promise<Void> finished = Promise.promise();
    private WebSocket ws;
    private Context context;
    private long nextId = 1;
    private long sent;
    private long processed;
    private long processedWhileSending;
    private long dropped;
    private long errors;
    private long lastResultNanos;
    private boolean failed;
    private final Set<Thread> threads = new java.util.HashSet<>();
    /** Sums of the server's decode, prepare, infer, total ms and batch size over processed frames. */
    private final double[] timingSums = new double[5];
    private double[] latencies = new double[1024];
    private int count;

    Stream(Vertx vertx, Options o, int index) {
      this.vertx = vertx;
      this.o = o;
      this.index = index;
    }

    Future<Void> connect(WebSocketClient client) {
      String uri = "/v1/stream" + (o.query() == null || o.query().isEmpty() ? "" : "?" + o.query());
      WebSocketConnectOptions connect = new WebSocketConnectOptions().setHost(o.host()).setPort(o.port()).setURI(uri);
      if (o.token() != null) {
        connect.addHeader("Authorization", "Bearer " + o.token());
      }
      return client.connect(connect)
          .onSuccess(w -> {
            ws = w;
            context = Vertx.currentContext();
            w.textMessageHandler(this::onMessage);
            w.closeHandler(v -> {
              synchronized (this) {
                if (!finished.future().isComplete()) {
                  failed = true;
                }
              }
              finished.tryComplete();
            });
          })
          .onFailure(e -> {
            synchronized (this) {
              failed = true;
            }
            finished.tryComplete();
          })
          .mapEmpty();
    }

    Future<Void> start(long sendUntil) {
      this.sendUntil = sendUntil;
      if (ws == null) {
        return finished.future();
      }
      context.runOnContext(v -> {
        if (o.fps() > 0) {
          long period = Math.max(1, (long) (1000 / o.fps()));
          vertx.setPeriodic(period, t -> {
            if (System.nanoTime() >= sendUntil) {
              vertx.cancelTimer(t);
              maybeFinish();
            } else {
              sendOne();
            }
          });
        } else {
          fill();
        }
        // the last answers have a while (the sending time, at least 10 s) to arrive after sending stops
        vertx.setTimer(Math.max(1, (sendUntil - System.nanoTime()) / 1_000_000) + drainMillis(o), t -> finish());
      });
      return finished.future();
    }

    private void fill() {
      while (System.nanoTime() < sendUntil && sendOne()) {
        // keep inFlight frames unanswered
      }
      maybeFinish();
    }

    private synchronized boolean sendOne() {
      if (inFlight.size() >= o.inFlight() || ws == null) {
        return false;
      }
      long id = nextId++;
      byte[] image = o.frames().get((int) ((id + index) % o.frames().size()));
      Buffer message = Buffer.buffer(8 + image.length).appendLong(id).appendBytes(image);
      inFlight.put(id, System.nanoTime());
      sent++;
      ws.writeBinaryMessage(message);
      return true;
    }

    private void onMessage(String text) {
      JsonObject msg = new JsonObject(text);
      Long frame = msg.getLong("frame");
      long now = System.nanoTime();
      synchronized (this) {
        threads.add(Thread.currentThread());
        dropped += msg.getLong("dropped_since_last", 0L);
        if (msg.containsKey("error")) {
          errors++;
        } else if (frame != null) {
          processed++;
          if (now < sendUntil) {
            processedWhileSending++;
          }
          JsonObject timings = msg.getJsonObject("timings", new JsonObject());
          timingSums[0] += timings.getDouble("decode_ms", 0.0);
          timingSums[1] += timings.getDouble("prepare_ms", 0.0);
          timingSums[2] += timings.getDouble("infer_ms", 0.0);
          timingSums[3] += timings.getDouble("total_ms", 0.0);
          timingSums[4] += msg.getInteger("batch", 0);
          lastResultNanos = now;
          Long sentAt = inFlight.get(frame);
          if (sentAt != null) {
            record((now - sentAt) / 1e6);
          }
        }
        if (frame != null) {
          inFlight.keySet().removeIf(id -> id <= frame);
        }
      }
      if (o.fps() <= 0) {
        fill();
      } else {
        maybeFinish();
      }
    }

    private void record(double ms) {
      if (count == latencies.length) {
        latencies = Arrays.copyOf(latencies, count * 2);
      }
      latencies[count++] = ms;
    }

    private void maybeFinish() {
      boolean idle;
      synchronized (this) {
        idle = inFlight.isEmpty();
      }
      if (System.nanoTime() >= sendUntil && idle) {
        finish();
      }
    }

    private void finish() {
      if (finished.tryComplete() && ws != null) {
        ws.close();
      }
    }
  }
}

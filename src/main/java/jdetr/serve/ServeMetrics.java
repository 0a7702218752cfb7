package jdetr.serve;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The server's own meters (Prometheus names in brackets): frames in [jdetr_frames_in_total],
 * processed [jdetr_frames_processed_total], dropped by reason [jdetr_frames_dropped_total],
 * rejected by code [jdetr_frames_rejected_total], results not delivered to slow readers
 * [jdetr_results_undelivered_total], streams closed as slow readers
 * [jdetr_ws_slow_consumer_total], upgrades refused by status [jdetr_ws_refused_total], streams
 * closed by the server by close code [jdetr_ws_closed_total], open streams
 * [jdetr_streams_open], waiting frames [jdetr_frames_waiting], and histograms of batch size, decode,
 * preparation, inference and total latency.
 */
public final class ServeMetrics {

  private static final Duration[] LATENCY_BUCKETS = buckets(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000);

  private final MeterRegistry registry;
  private final Counter framesIn;
  private final Counter processed;
  private final Counter undelivered;
  private final Counter slowConsumers;
  private final Timer decode;
  private final Timer prepare;
  private final Timer infer;
  private final Timer latency;
  private final DistributionSummary batchSize;
  private final Meter.MeterProvider<Counter> dropped;
  private final Meter.MeterProvider<Counter> rejected;
  private final Meter.MeterProvider<Counter> refused;
  private final Meter.MeterProvider<Counter> closed;
  private final List<Gauge> gauges = new ArrayList<>();

  public ServeMetrics(MeterRegistry registry, int maxBatch) {
    this.registry = registry;
    framesIn = Counter.builder("jdetr.frames.in").description("Frames received").register(registry);
    processed = Counter.builder("jdetr.frames.processed").description("Frames run through the detector").register(registry);
    undelivered = Counter.builder("jdetr.results.undelivered")
        .description("Results not written because the stream's write queue was full").register(registry);
    slowConsumers = Counter.builder("jdetr.ws.slow.consumer")
        .description("Streams closed because they did not read their results").register(registry);
    decode = timer("jdetr.frame.decode", "Time to decode one image");
    prepare = timer("jdetr.frame.prepare", "Time to turn one decoded image into model input");
    infer = timer("jdetr.batch.infer", "Detector time per batch");
    latency = timer("jdetr.frame.latency", "Time from frame arrival to its result");
    double[] sizes = new double[maxBatch];
    for (int i = 0; i < maxBatch; i++) {
      sizes[i] = i + 1;
    }
    batchSize = DistributionSummary.builder("jdetr.batch.size").description("Frames per detector batch")
        .serviceLevelObjectives(sizes).register(registry);
    dropped = Counter.builder("jdetr.frames.dropped")
        .description("Frames dropped without processing (superseded by a newer frame, or stream closed)")
        .withRegistry(registry);
    rejected = Counter.builder("jdetr.frames.rejected").description("Frames answered with an error")
        .withRegistry(registry);
    refused = Counter.builder("jdetr.ws.refused").description("WebSocket upgrades refused").withRegistry(registry);
    closed = Counter.builder("jdetr.ws.closed")
        .description("Streams the server closed, by close code (1000 idle, 1001 stopping, 1002 protocol error, "
            + "1008 slow reader, 1009 too big)")
        .withRegistry(registry);
    // pre-register the dropped reasons so they show as 0 before the first drop
    for (String reason : new String[] {"superseded", "closed"}) {
      dropped(reason, 0);
    }
  }

  public MeterRegistry registry() {
    return registry;
  }

  /**
   * Registers the gauges read on every scrape, once: a second registration of a gauge would be
   * ignored by Micrometer (and the gauge would keep reading the first supplier).
   */
  public synchronized void gauges(Supplier<Number> openStreams, Supplier<Number> waitingFrames) {
    if (!gauges.isEmpty()) {
      throw new IllegalStateException("the serving gauges are registered already");
    }
    gauges.add(Gauge.builder("jdetr.streams.open", openStreams).description("Open WebSocket streams")
        .register(registry));
    gauges.add(Gauge.builder("jdetr.frames.waiting", waitingFrames).description("Frames waiting for the detector")
        .register(registry));
  }

  /** Removes the gauges from the registry (they refer to the stopped server's state). */
  public synchronized void close() {
    gauges.forEach(registry::remove);
    gauges.clear();
  }

  public void frameIn() {
    framesIn.increment();
  }

  public void dropped(String reason, int count) {
    dropped.withTag("reason", reason).increment(count);
  }

  public void rejected(String code) {
    rejected.withTag("code", code).increment();
  }

  public void refused(int status) {
    refused.withTag("status", Integer.toString(status)).increment();
  }

  /** The server closed a stream with this close code. */
  public void closed(int code) {
    closed.withTag("code", Integer.toString(code)).increment();
  }

  public void batch(int size, long inferNanos) {
    batchSize.record(size);
    infer.record(inferNanos, TimeUnit.NANOSECONDS);
  }

  public void decoded(long nanos) {
    decode.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void prepared(long nanos) {
    prepare.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void processed(long totalNanos) {
    processed.increment();
    latency.record(totalNanos, TimeUnit.NANOSECONDS);
  }

  public void undelivered() {
    undelivered.increment();
  }

  public void slowConsumer() {
    slowConsumers.increment();
  }

  private Timer timer(String name, String description) {
    return Timer.builder(name).description(description).serviceLevelObjectives(LATENCY_BUCKETS)
        .register(registry);
  }

  private static Duration[] buckets(long... millis) {
    Duration[] d = new Duration[millis.length];
    for (int i = 0; i < millis.length; i++) {
      d[i] = Duration.ofMillis(millis[i]);
    }
    return d;
  }
}

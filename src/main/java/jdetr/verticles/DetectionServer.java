package jdetr.verticles;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jdetr.serve.AdmissionLimit;
import jdetr.serve.DetectionService;
import jdetr.serve.Detector;
import jdetr.serve.DetectorFactory;
import jdetr.serve.ServeConfig;
import jdetr.serve.ServeMetrics;

/**
 * A running `jdetr serve` in this JVM: its own Vert.x (with Micrometer metrics on a Prometheus
 * registry), a {@link DetectorVerticle} and a {@link DetectionServerVerticle}.
 */
public final class DetectionServer implements AutoCloseable {

  private final Vertx vertx;
  private final PrometheusMeterRegistry registry;
  private final ServeMetrics metrics;
  private final DetectionService service;
  private final DetectionServerVerticle http;

  private DetectionServer(Vertx vertx, PrometheusMeterRegistry registry, ServeMetrics metrics,
      DetectionService service, DetectionServerVerticle http) {
    this.vertx = vertx;
    this.registry = registry;
    this.metrics = metrics;
    this.service = service;
    this.http = http;
  }

  /** Starts the detector thread and the HTTP server; returns once listening (the model may still load). */
  public static DetectionServer start(ServeConfig config, DetectorFactory factory) throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
    try {
      ServeMetrics metrics = new ServeMetrics(registry, config.maxBatch());
      DetectionService service = new DetectionService(config, factory, metrics);
      AdmissionLimit streams = new AdmissionLimit(config.maxStreams());
      metrics.gauges(streams::inUse, service::waiting);
      DetectionServerVerticle http = new DetectionServerVerticle(config, service, metrics, registry, streams);
      await(vertx.deployVerticle(new DetectorVerticle(service)));
      await(vertx.deployVerticle(http));
      return new DetectionServer(vertx, registry, metrics, service, http);
    } catch (Exception e) {
      await(vertx.close());
      throw e;
    }
  }

  public int port() {
    return http.actualPort();
  }

  /** Completes when the detector is loaded (fails if loading failed). */
  public CompletableFuture<Detector<?>> loaded() {
    return service.loaded();
  }

  public ServeMetrics metrics() {
    return metrics;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Stops the server: streams get close 1001, waiting frames SHUTTING_DOWN, the detector is closed. */
  @Override
  public void close() throws Exception {
    await(vertx.close());
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}

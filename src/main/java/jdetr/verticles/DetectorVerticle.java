package jdetr.verticles;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;
import java.time.Duration;
import jdetr.serve.AdmissionLimit;
import jdetr.serve.DetectionService;
import jdetr.serve.DetectorChoice;
import jdetr.serve.ServeConfig;
import jdetr.serve.ServeMetrics;

/**
 * The detector stage (verticles/60-detector.json, role "serve"): owns the detection model. It runs
 * {@link DetectionService} on one dedicated platform thread, which loads the detector, runs every
 * batch and closes it; the verticle itself only starts and stops that thread, so it is deployed as
 * an event-loop verticle, one instance. Starting completes once the thread runs (the model may
 * still be loading; see {@link DetectionService#loaded()}); stopping answers the waiting frames and
 * joins the thread.
 *
 * <p>Configuration: {@code serve} (the serve settings, as in conf/serve.json), {@code detector}
 * ({@link DetectorChoice} as JSON) and {@code metricsRegistry} (the name of the Vert.x Micrometer
 * registry to add the serving meters to; without it they get a registry of their own).
 */
public final class DetectorVerticle extends VerticleBase {

  private ServingContext context;
  private Thread thread;

  @Override
  public Future<?> start() {
    JsonObject c = config();
    if (!(c.getValue("detector") instanceof JsonObject detectorJson)) {
      return Future.failedFuture(new IllegalArgumentException("config.detector is missing: name the detector, "
          + "{\"name\":\"detr\",\"weights\":\"<checkpoint>\"} or {\"name\":\"shapes-threshold\"}"));
    }
    DetectorChoice choice = DetectorChoice.fromJson(detectorJson.encode(), "config.detector");
    JsonObject serveJson = c.getJsonObject("serve", new JsonObject());
    ServeConfig config = ServeConfig.fromJson(serveJson.encode(), "config.serve");
    PrometheusMeterRegistry registry = registry(c.getString("metricsRegistry"));
    ServeMetrics metrics = new ServeMetrics(registry, config.maxBatch());
    DetectionService service = new DetectionService(config, choice.factory(), metrics);
    AdmissionLimit streams = new AdmissionLimit(config.maxStreams());
    metrics.gauges(streams::inUse, service::waiting);
    context = new ServingContext(config, service, metrics, registry, streams);
    try {
      ServingContext.publish(vertx, context);
    } catch (IllegalStateException e) {
      metrics.close();
      return Future.failedFuture(e);
    }
    thread = new Thread(service, "jdetr-detector");
    thread.setDaemon(false);
    thread.start();
    return Future.succeededFuture();
  }

  /** The Vert.x Micrometer registry of that name if it is a Prometheus one, else a new registry. */
  private static PrometheusMeterRegistry registry(String name) {
    MeterRegistry r = name == null ? null : BackendRegistries.getNow(name);
    return r instanceof PrometheusMeterRegistry p ? p : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  @Override
  public Future<?> stop() {
    ServingContext c = context;
    if (c == null) {
      return Future.succeededFuture();
    }
    c.service().stop();
    return OwnerThread.ended(thread, Duration.ZERO, "jdetr-detector-join").onComplete(v -> {
      ServingContext.remove(vertx, c);
      c.metrics().close();
    });
  }
}

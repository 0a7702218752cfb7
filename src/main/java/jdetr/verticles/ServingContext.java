package jdetr.verticles;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import jdetr.serve.AdmissionLimit;
import jdetr.serve.DetectionService;
import jdetr.serve.ServeConfig;
import jdetr.serve.ServeMetrics;

/**
 * What the two serving stages of one Vert.x instance share. The detector stage
 * ({@link DetectorVerticle}, verticles/60-detector.json) creates it and publishes it in Vert.x local
 * shared data; the server stage ({@link DetectionServerVerticle}, verticles/70-server.json, any
 * number of instances) finds it there. Frames go from a stream straight into the detector's
 * scheduler, so that a newer frame can replace a waiting one at once and readiness is known
 * without a round trip; both stages belong to role "serve" and so always share a JVM.
 */
public final class ServingContext implements Shareable {

  private static final String MAP = "jdetr.serving";
  private static final String KEY = "detector";

  private final ServeConfig config;
  private final DetectionService service;
  private final ServeMetrics metrics;
  private final PrometheusMeterRegistry registry;
  private final AdmissionLimit streams;
  private final AdmissionLimit requests;
  private volatile int port = -1;

  ServingContext(ServeConfig config, DetectionService service, ServeMetrics metrics,
      PrometheusMeterRegistry registry, AdmissionLimit streams) {
    this.config = config;
    this.service = service;
    this.metrics = metrics;
    this.registry = registry;
    this.streams = streams;
    this.requests = new AdmissionLimit(config.maxPendingRequests());
  }

  /** Publishes the context of this Vert.x instance's detector stage; there can be one only. */
  static void publish(Vertx vertx, ServingContext context) {
    ServingContext old = map(vertx).putIfAbsent(KEY, context);
    if (old != null) {
      throw new IllegalStateException("a detector stage is already deployed in this Vert.x instance "
          + "(verticles/60-detector.json must have \"instances\": 1)");
    }
  }

  /** The context published by the detector stage of this Vert.x instance. */
  static ServingContext find(Vertx vertx) {
    ServingContext c = map(vertx).get(KEY);
    if (c == null) {
      throw new IllegalStateException("no detector stage in this Vert.x instance: the server stage needs "
          + "verticles/60-detector.json (role serve) deployed before it");
    }
    return c;
  }

  static void remove(Vertx vertx, ServingContext context) {
    map(vertx).removeIfPresent(KEY, context);
  }

  private static LocalMap<String, ServingContext> map(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
  }

  public ServeConfig config() {
    return config;
  }

  public DetectionService service() {
    return service;
  }

  public ServeMetrics metrics() {
    return metrics;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Open WebSocket streams, shared by every server instance. */
  AdmissionLimit streams() {
    return streams;
  }

  /** `POST /v1/detect` requests in progress, shared by every server instance. */
  AdmissionLimit requests() {
    return requests;
  }

  /** The port the server stage listens on, -1 before it does. */
  public int port() {
    return port;
  }

  void listening(int port) {
    this.port = port;
  }
}

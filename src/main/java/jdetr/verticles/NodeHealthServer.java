package jdetr.verticles;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.spi.cluster.hazelcast.ClusterHealthCheck;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The probes and metrics of a {@code jdetr node}: {@code GET /health/live} (the event loop
 * answers), {@code GET /health/ready} (this node is a cluster member, the Hazelcast partitions are
 * safe — Vert.x's cluster-health procedure — and its stages are deployed; the trainer and eval
 * stages build their models when their work starts, and {@code jdetr serve} has readiness of its
 * own that waits for its model) and
 * {@code GET /metrics} (Prometheus: Vert.x and JVM meters, and for a trainer the last step and
 * loss it reported). Answers 200 when every check is UP, 503 otherwise, with the checks as JSON.
 */
public final class NodeHealthServer {
  private final HttpServer server;
  private final AtomicLong step;
  private final AtomicLong lossBits;

  private NodeHealthServer(HttpServer server, AtomicLong step, AtomicLong lossBits) {
    this.server = server;
    this.step = step;
    this.lossBits = lossBits;
  }

  /**
   * Listens on {@code host:port} (port 0: any free port).
   *
   * @param member whether this node is currently a member of the cluster
   * @param deployed whether the node's stages are deployed
   */
  public static Future<NodeHealthServer> start(Vertx vertx, PrometheusMeterRegistry registry,
      String host, int port, BooleanSupplier member, BooleanSupplier deployed) {
    AtomicLong step = new AtomicLong(-1);
    AtomicLong lossBits = new AtomicLong(Double.doubleToLongBits(Double.NaN));
    Gauge.builder("jdetr_train_step", step, AtomicLong::get)
        .description("Last global training step this node's trainer reported (-1: none)")
        .register(registry);
    Gauge.builder("jdetr_train_loss", lossBits, b -> Double.longBitsToDouble(b.get()))
        .description("Loss of the last step this node's trainer reported")
        .register(registry);
    HealthChecks ready = HealthChecks.create(vertx)
        .register("member", p -> p.complete(check(member, "not a cluster member")))
        .register("cluster-safe", ClusterHealthCheck.createProcedure(vertx))
        .register("stages", p -> p.complete(check(deployed, "stages not deployed yet")));
    Router router = Router.router(vertx);
    router.get("/health/live").handler(HealthCheckHandler.create(vertx)
        .register("event-loop", p -> p.complete(Status.OK())));
    router.get("/health/ready").handler(HealthCheckHandler.createWithHealthChecks(ready));
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    return vertx.createHttpServer().requestHandler(router).listen(port, host)
        .map(s -> new NodeHealthServer(s, step, lossBits));
  }

  private static Status check(BooleanSupplier condition, String reason) {
    return condition.getAsBoolean() ? Status.OK() : Status.KO(new JsonObject().put("reason", reason));
  }

  /** The port it listens on. */
  public int port() {
    return server.actualPort();
  }

  /** Takes the step and loss of a trainer's {@code {"event":"step",…}} line into the metrics. */
  public void onPipelineEvent(JsonObject event) {
    if ("step".equals(event.getString("event")) && event.getValue("step") instanceof Number s) {
      step.set(s.longValue());
      if (event.getValue("loss") instanceof Number l) {
        lossBits.set(Double.doubleToLongBits(l.doubleValue()));
      }
    }
  }

  public Future<Void> close() {
    return server.close();
  }
}

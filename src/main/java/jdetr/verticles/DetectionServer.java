package jdetr.verticles;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import jdetr.serve.Detector;
import jdetr.serve.DetectorChoice;
import jdetr.serve.ServeConfig;
import jdetr.serve.ServeMetrics;

/**
 * A running `jdetr serve` in this JVM: its own Vert.x, with Micrometer metrics on a Prometheus
 * registry, and the stages of role "serve" deployed from their descriptors (verticles/60-detector.json,
 * verticles/70-server.json), each given the resolved serve settings and the detector choice.
 */
public final class DetectionServer implements AutoCloseable {

  /** Where the stage descriptors are, relative to the working directory (else in the jar). */
  public static final Path DEFAULT_STAGES = StageDescriptors.DEFAULT_DIR;
  /** The node role whose stages make a server. */
  public static final String ROLE = "serve";

  private static final AtomicLong NEXT = new AtomicLong(1);

  private final Vertx vertx;
  private final List<StageDeployer.Deployed> deployed;
  private final ServingContext context;

  private DetectionServer(Vertx vertx, List<StageDeployer.Deployed> deployed, ServingContext context) {
    this.vertx = vertx;
    this.deployed = deployed;
    this.context = context;
  }

  /** Starts a server from the descriptors in {@link #DEFAULT_STAGES}. */
  public static DetectionServer start(ServeConfig config, DetectorChoice detector) throws Exception {
    return start(config, detector, DEFAULT_STAGES);
  }

  /**
   * Deploys the "serve" stages of {@code stages}; returns once the server listens (the model may
   * still load: see {@link #loaded()}).
   *
   * @throws IllegalArgumentException naming the directory, file or field when the descriptors are wrong
   */
  public static DetectionServer start(ServeConfig config, DetectorChoice detector, Path stages) throws Exception {
    List<StageDescriptor> serve = StageDescriptors.forRole(StageDescriptors.load(stages), ROLE);
    // a registry name of its own: Vert.x keeps its metrics backends by name, JVM-wide
    String registryName = "jdetr-serve-" + NEXT.getAndIncrement();
    JsonObject settings = new JsonObject()
        .put("serve", new JsonObject(config.toJson()))
        .put("detector", new JsonObject(detector.toJson()))
        .put("metricsRegistry", registryName);
    List<StageDescriptor> configured = new ArrayList<>();
    for (StageDescriptor d : serve) {
      configured.add(d.withConfig(settings));
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
            .setJvmMetricsEnabled(true).setRegistryName(registryName)))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
    try {
      List<StageDeployer.Deployed> deployed = await(StageDeployer.deploy(vertx, configured));
      ServingContext context = ServingContext.find(vertx);
      if (context.port() < 0) {
        throw new IllegalStateException("no server stage of role " + ROLE + " in " + stages + " listens");
      }
      return new DetectionServer(vertx, deployed, context);
    } catch (Exception e) {
      await(vertx.close());
      throw e;
    }
  }

  public int port() {
    return context.port();
  }

  /** Completes when the detector is loaded (fails if loading failed). */
  public CompletableFuture<Detector<?>> loaded() {
    return context.service().loaded();
  }

  public ServeMetrics metrics() {
    return context.metrics();
  }

  public PrometheusMeterRegistry registry() {
    return context.registry();
  }

  /**
   * Stops the server: the server stage first (streams get close 1001), then the detector stage
   * (waiting frames SHUTTING_DOWN, the detector is closed), then Vert.x.
   */
  @Override
  public void close() throws Exception {
    try {
      await(StageDeployer.undeploy(vertx, deployed));
    } finally {
      await(vertx.close());
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}

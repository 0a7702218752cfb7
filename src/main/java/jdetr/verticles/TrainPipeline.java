package jdetr.verticles;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import jdetr.bus.Addresses;
import jdetr.bus.Cluster;
import jdetr.engine.StepMetrics;
import jdetr.train.TrainConfig;
import jdetr.train.TrainProgress;

/**
 * {@code jdetr train} (the default): deploys the "train" role's stages (data, matcher, trainer,
 * checkpoint, eval) in this JVM on the local event bus, with the codecs of a cluster, hands the
 * recipe to the data and trainer stages, shows the trainer's step metrics, and waits for its end
 * event. The trainer stage is deployed last, so every stage it talks to is listening when it
 * starts. On SIGTERM or SIGINT the trainer stops before its next step and the eval stage before
 * its next batch ({@link jdetr.engine.TorchWork}); the JVM exits once both have left libtorch.
 */
public final class TrainPipeline {
  /** Opening a large annotations file is part of the data stage's start. */
  private static final int DEPLOY_MINUTES = 10;
  private final TrainConfig config;
  private final Path stages;
  private final boolean resume;
  private final TrainProgress progress;

  public TrainPipeline(TrainConfig config, Path stages, boolean resume, TrainProgress progress) {
    this.config = config;
    this.stages = stages;
    this.resume = resume;
    this.progress = progress;
  }

  /** Runs the stages to the trainer's end; the exit status of {@code jdetr train}. */
  public int run() {
    PrintStream err = System.err;
    Vertx vertx = Cluster.local();
    try {
      List<StageDescriptor> deploy = StageDescriptors.forRun(StageDescriptors.load(stages),
          "train", config, resume);
      if (deploy.stream().noneMatch(StageDescriptors::isTrainer)) {
        err.println("jdetr train: no stage descriptor in " + stages + " deploys "
            + TrainerVerticle.class.getSimpleName());
        return 2;
      }
      CompletableFuture<JsonObject> end = new CompletableFuture<>();
      MessageConsumer<JsonObject> events = vertx.eventBus().consumer(Addresses.PIPELINE_EVENTS,
          m -> {
            String event = m.body().getString("event");
            if ("finished".equals(event) || "stopped".equals(event) || "failed".equals(event)) {
              end.complete(m.body());
            }
          });
      MessageConsumer<StepMetrics> metrics = vertx.eventBus().consumer(Addresses.TRAIN_METRICS,
          m -> progress.accept(m.body()));
      events.completion().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      metrics.completion().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      try {
        StageDeployer.deploy(vertx, deploy).toCompletionStage().toCompletableFuture()
            .get(DEPLOY_MINUTES, TimeUnit.MINUTES);
      } catch (TimeoutException e) {
        err.println("jdetr train: the stages of " + stages + " did not start within "
            + DEPLOY_MINUTES + " minutes");
        return 1;
      } catch (ExecutionException e) {
        err.println("jdetr train: " + describe(e.getCause()));
        return 1;
      }
      JsonObject result = end.get();
      progress.close();
      if ("stopped".equals(result.getString("event"))) {
        return result.getInteger("exitCode", 1); // the trainer printed where it stopped
      }
      if (!"finished".equals(result.getString("event"))) {
        err.println("jdetr train: " + result.getString("message", "the trainer stage failed"));
        return result.getInteger("exitCode", 1);
      }
      System.out.printf("finished: %d epochs, %d steps, last checkpoint %s%n",
          result.getInteger("epochs"), result.getLong("steps"), result.getString("checkpoint"));
      return 0;
    } catch (Exception e) {
      err.println("jdetr train: " + describe(e));
      return 1;
    } finally {
      progress.close();
      vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS)
          .exceptionally(t -> null).join();
    }
  }

  private static String describe(Throwable e) {
    return e.getMessage() != null ? e.getMessage() : e.toString();
  }
}

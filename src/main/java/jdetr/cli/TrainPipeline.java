package jdetr.cli;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jdetr.bus.Addresses;
import jdetr.bus.Cluster;
import jdetr.train.TrainConfig;
import jdetr.verticles.DataVerticle;
import jdetr.verticles.StageDeployer;
import jdetr.verticles.StageDescriptor;
import jdetr.verticles.StageDescriptors;
import jdetr.verticles.TrainerVerticle;

/**
 * {@code jdetr train --pipeline}: deploys the "train" role's stages in this JVM on the local event
 * bus, hands the recipe to the data and trainer stages, and waits for the trainer's end event.
 */
final class TrainPipeline {
  private final TrainConfig config;
  private final Path stages;
  private final boolean resume;

  TrainPipeline(TrainConfig config, Path stages, boolean resume) {
    this.config = config;
    this.stages = stages;
    this.resume = resume;
  }

  int run() {
    Vertx vertx = Cluster.local();
    try {
      JsonObject recipe = new JsonObject(config.toJson().toString());
      List<StageDescriptor> deploy = new ArrayList<>();
      for (StageDescriptor d : StageDescriptors.forRole(StageDescriptors.load(stages), "train")) {
        boolean needsRecipe = d.verticle().equals(DataVerticle.class.getName())
            || d.verticle().equals(TrainerVerticle.class.getName());
        JsonObject c = d.config().copy();
        if (needsRecipe) {
          c.put("recipe", recipe).put("resume", resume);
        }
        deploy.add(new StageDescriptor(d.file(), d.name(), d.verticle(), d.threadingModel(),
            d.instances(), d.workerPoolName(), d.workerPoolSize(), d.roles(), c));
      }
      CompletableFuture<JsonObject> end = new CompletableFuture<>();
      MessageConsumer<JsonObject> events = vertx.eventBus().consumer(Addresses.PIPELINE_EVENTS,
          m -> end.complete(m.body()));
      events.completion().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      StageDeployer.deploy(vertx, deploy).toCompletionStage().toCompletableFuture()
          .get(120, TimeUnit.SECONDS);
      JsonObject result = end.get();
      if (!"finished".equals(result.getString("event"))) {
        System.err.println("jdetr train: " + result.getString("message"));
        return 1;
      }
      System.out.printf("finished: %d epochs, %d steps, last checkpoint %s%n",
          result.getInteger("epochs"), result.getLong("steps"), result.getString("checkpoint"));
      return 0;
    } catch (Exception e) {
      System.err.println("jdetr train: " + e.getMessage());
      return 1;
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS)
          .exceptionally(t -> null).join();
    }
  }
}

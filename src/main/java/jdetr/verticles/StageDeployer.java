package jdetr.verticles;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploys stage descriptors one after another, in order. If a stage fails to deploy, the stages
 * already deployed are undeployed and the failure names the descriptor file.
 */
public final class StageDeployer {
  private static final Logger LOG = LoggerFactory.getLogger(StageDeployer.class);

  private StageDeployer() {}

  /** A deployed stage. */
  public record Deployed(StageDescriptor stage, String deploymentId) {}

  public static Future<List<Deployed>> deploy(Vertx vertx, List<StageDescriptor> stages) {
    List<Deployed> done = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (StageDescriptor stage : stages) {
      chain = chain.compose(v -> deployOne(vertx, stage).map(id -> {
        done.add(new Deployed(stage, id));
        return null;
      }));
    }
    return chain.map(v -> List.copyOf(done)).recover(failure -> {
      Future<Void> undo = Future.succeededFuture();
      for (int i = done.size() - 1; i >= 0; i--) {
        String id = done.get(i).deploymentId();
        undo = undo.eventually(() -> vertx.undeploy(id));
      }
      return undo.transform(ignored -> Future.failedFuture(failure));
    });
  }

  /** Undeploys stages in the reverse order of their deployment; completes when all are undeployed. */
  public static Future<Void> undeploy(Vertx vertx, List<Deployed> deployed) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = deployed.size() - 1; i >= 0; i--) {
      Deployed d = deployed.get(i);
      chain = chain.eventually(() -> vertx.undeploy(d.deploymentId())
          .onFailure(e -> LOG.warn("stage {} ({}) did not undeploy cleanly: {}", d.stage().name(),
              d.stage().file(), e.toString())));
    }
    return chain;
  }

  private static Future<String> deployOne(Vertx vertx, StageDescriptor stage) {
    long start = System.nanoTime();
    return vertx.deployVerticle(stage.verticle(), stage.deploymentOptions())
        .onSuccess(id -> LOG.info("deployed stage {} ({}, {} × {}) in {} ms", stage.name(),
            stage.file(), stage.instances(), stage.threadingModel(),
            (System.nanoTime() - start) / 1_000_000))
        .recover(e -> Future.failedFuture(new IllegalStateException("stage " + stage.name()
            + " (" + stage.file() + ") failed to deploy " + stage.verticle() + ": " + e.getMessage(), e)));
  }
}

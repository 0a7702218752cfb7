package jdetr.verticles;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * One pipeline stage as described by a {@code verticles/NN-name.json} file:
 *
 * <pre>
 * {
 *   "name": "matcher",
 *   "verticle": "jdetr.verticles.MatcherVerticle",
 *   "threadingModel": "WORKER",
 *   "instances": 2,
 *   "workerPool": {"name": "jdetr-matcher", "size": 2},
 *   "roles": ["train", "matcher"],
 *   "config": { … }
 * }
 * </pre>
 *
 * @param file the descriptor file name (errors and logs name it)
 * @param name stage name
 * @param verticle verticle class name
 * @param threadingModel EVENT_LOOP or WORKER (DJL stages are WORKER: one platform thread each)
 * @param instances how many instances to deploy on a node
 * @param workerPoolName named worker pool, or null for the shared one
 * @param workerPoolSize threads of the named pool (0 when unnamed)
 * @param roles node roles that deploy this stage ({@link #ROLES})
 * @param config the verticle's configuration
 */
public record StageDescriptor(String file, String name, String verticle,
    ThreadingModel threadingModel, int instances, String workerPoolName, int workerPoolSize,
    Set<String> roles, JsonObject config) {

  /**
   * Node roles: "train" deploys the whole pipeline in one JVM; the others are the cluster roles
   * of {@code jdetr node --role}.
   */
  public static final Set<String> ROLES = Set.of("train", "trainer", "data", "matcher", "eval", "serve");

  public StageDescriptor {
    roles = Set.copyOf(roles);
    config = config.copy();
  }

  /** Whether a node of {@code role} deploys this stage. */
  public boolean belongsTo(String role) {
    return roles.contains(role);
  }

  /**
   * This stage with {@code extra} merged into its configuration (keys of {@code extra} win): how a
   * command hands its resolved settings to the stages it deploys.
   */
  public StageDescriptor withConfig(JsonObject extra) {
    return new StageDescriptor(file, name, verticle, threadingModel, instances, workerPoolName, workerPoolSize,
        roles, config.copy().mergeIn(extra.copy()));
  }

  /** Vert.x deployment options for this stage. */
  public DeploymentOptions deploymentOptions() {
    DeploymentOptions options = new DeploymentOptions()
        .setThreadingModel(threadingModel)
        .setInstances(instances)
        .setConfig(config.copy());
    if (workerPoolName != null) {
      options.setWorkerPoolName(workerPoolName).setWorkerPoolSize(workerPoolSize);
    }
    return options;
  }
}

package jdetr.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jdetr.bus.Cluster;
import jdetr.bus.ClusterNode;
import jdetr.verticles.StageDeployer;
import jdetr.verticles.StageDescriptor;
import jdetr.verticles.StageDescriptors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jdetr node --role <role> --cluster <cluster.xml>}: joins the Hazelcast cluster and deploys
 * the stage descriptors of one role. Prints one JSON line when ready, then runs until SIGTERM
 * (graceful: undeploy, leave the cluster).
 */
@Command(name = "node", mixinStandardHelpOptions = true,
    description = "Join a cluster and deploy the pipeline stages of one role.")
final class NodeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(NodeCommand.class);

  @Option(names = "--role", required = true,
      description = "Stages to deploy: trainer, data, matcher, eval or serve (train = all in one JVM).")
  String role;

  @Option(names = "--cluster", defaultValue = "conf/cluster.xml",
      description = "Hazelcast configuration (default: ${DEFAULT-VALUE}).")
  Path clusterXml;

  @Option(names = "--cluster-name", description = "Overrides the cluster name of the configuration.")
  String clusterName;

  @Option(names = "--verticles", defaultValue = "verticles",
      description = "Directory of stage descriptors (default: ${DEFAULT-VALUE}).")
  Path verticlesDir;

  @Option(names = "--host", description = "Event-bus host to bind and advertise (default: the cluster address).")
  String host;

  @Override
  public Integer call() throws Exception {
    List<StageDescriptor> stages;
    try {
      stages = StageDescriptors.forRole(StageDescriptors.load(verticlesDir), role);
    } catch (IllegalArgumentException e) {
      System.err.println("jdetr node: " + e.getMessage());
      return 2;
    }
    long start = System.nanoTime();
    ClusterNode node = Cluster.join(new Cluster.JoinOptions(clusterXml, clusterName, host))
        .toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    long joined = System.nanoTime();
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("leaving the cluster");
      try {
        node.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("leaving the cluster did not complete: {}", e.toString());
      }
      closed.countDown();
    }, "jdetr-node-shutdown"));
    List<StageDeployer.Deployed> deployed;
    try {
      deployed = StageDeployer.deploy(node.vertx(), stages)
          .toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      System.err.println("jdetr node: " + e.getCause().getMessage());
      return 1; // the shutdown hook leaves the cluster
    }
    JsonObject ready = new JsonObject()
        .put("event", "ready")
        .put("role", role)
        .put("node", node.nodeId())
        .put("pid", ProcessHandle.current().pid())
        .put("members", node.members().size())
        .put("stages", new JsonArray(deployed.stream().map(d -> d.stage().name()).toList()))
        .put("joinMs", (joined - start) / 1_000_000)
        .put("deployMs", (System.nanoTime() - joined) / 1_000_000);
    System.out.println(ready.encode());
    System.out.flush();
    closed.await();
    return 0;
  }
}

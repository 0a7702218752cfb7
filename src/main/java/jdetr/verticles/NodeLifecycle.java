package jdetr.verticles;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import jdetr.bus.Addresses;
import jdetr.bus.ClusterNode;
import jdetr.engine.TorchWork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of a `jdetr node` once it has joined the cluster: the JSON lines it prints on stdout
 * (membership changes, the pipeline events of a local trainer, its own state), the exit status a
 * trainer's end event gives, and leaving: undeploying its stages, then leaving the cluster, once.
 */
public final class NodeLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(NodeLifecycle.class);

  private final ClusterNode node;
  private final Supplier<List<StageDeployer.Deployed>> deployed;
  private CompletableFuture<Void> left;

  /**
   * @param node the joined cluster node
   * @param deployed the stages deployed on it so far (null before the deployment completed)
   */
  public NodeLifecycle(ClusterNode node, Supplier<List<StageDeployer.Deployed>> deployed) {
    this.node = node;
    this.deployed = deployed;
  }

  /** Prints {@code {"event":"members",…}} on each membership change. */
  public void printMembershipChanges() {
    node.manager().getHazelcastInstance().getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent e) {
        printMembers("joined", e);
      }

      @Override
      public void memberRemoved(MembershipEvent e) {
        printMembers("left", e);
      }
    });
  }

  /**
   * Prints each event a trainer on this node publishes (local consumer only), hands it to the
   * health server (if any) and completes {@code ended} with the exit status of an end event
   * (finished: 0, failed: 1, stopped: its exitCode). The future completes once the consumer is
   * registered.
   */
  public Future<Void> endOnPipelineEvents(NodeHealthServer health, CompletableFuture<Integer> ended) {
    return node.vertx().eventBus().<JsonObject>localConsumer(Addresses.PIPELINE_EVENTS, m -> {
      printLine(m.body());
      if (health != null) {
        health.onPipelineEvent(m.body());
      }
      String event = m.body().getString("event");
      if ("finished".equals(event) || "failed".equals(event)) {
        ended.complete("finished".equals(event) ? 0 : 1);
      } else if ("stopped".equals(event)) {
        ended.complete(m.body().getInteger("exitCode", 1));
      }
    }).completion();
  }

  private static void printMembers(String change, MembershipEvent e) {
    printLine(new JsonObject().put("event", "members").put("change", change)
        .put("member", e.getMember().getUuid().toString()).put("members", e.getMembers().size()));
  }

  /** One JSON line on stdout, flushed. */
  public static void printLine(JsonObject event) {
    System.out.println(event.encode());
    System.out.flush();
  }

  /**
   * Undeploys the stages in the reverse order of their deployment (a trainer first: it stops after
   * its running step), then leaves the cluster, once.
   */
  public synchronized void leave() {
    if (left == null) {
      LOG.info("leaving the cluster");
      List<StageDeployer.Deployed> stages = deployed.get();
      Future<Void> undeployed = stages == null ? Future.succeededFuture()
          : StageDeployer.undeploy(node.vertx(), stages);
      left = undeployed.eventually(() -> node.close()).toCompletionStage().toCompletableFuture();
    }
    try {
      left.get(TorchWork.EXIT_WAIT.toSeconds() + 30, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("leaving the cluster did not complete: {}", e.toString());
    }
  }
}

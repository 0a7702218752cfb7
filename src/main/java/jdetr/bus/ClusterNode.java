package jdetr.bus;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.List;

/** A Vert.x instance joined to a Hazelcast cluster. */
public record ClusterNode(Vertx vertx, HazelcastClusterManager manager) {

  /** This node's id in the cluster. */
  public String nodeId() {
    return manager.getNodeId();
  }

  /** Ids of the current members, this node included. */
  public List<String> members() {
    return manager.getNodes();
  }

  /** Undeploys everything and leaves the cluster. */
  public Future<Void> close() {
    return vertx.close();
  }
}

package jdetr.bus;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Vert.x instance of a node: a plain local one for the one-JVM pipeline, or one joined to a
 * Hazelcast cluster. Either way every binary codec is registered, so stages talk the same way.
 */
public final class Cluster {
  private static final Logger LOG = LoggerFactory.getLogger(Cluster.class);

  private Cluster() {}

  /**
   * How to join.
   *
   * @param hazelcastXml Hazelcast configuration (conf/cluster.xml)
   * @param clusterName overrides the file's cluster name when not null
   * @param host event-bus host to bind and advertise, or null for the cluster manager's address
   * @param metrics where Vert.x and the JVM report their meters, or null for none
   * @param bus the event bus's port, TLS and frame limit
   */
  public record JoinOptions(Path hazelcastXml, String clusterName, String host,
      PrometheusMeterRegistry metrics, BusTransport bus) {
    public JoinOptions(Path hazelcastXml, String clusterName, String host) {
      this(hazelcastXml, clusterName, host, null, BusTransport.PLAIN);
    }
  }

  /** A local Vert.x with the codecs registered (the one-JVM pipeline). */
  public static Vertx local() {
    Vertx vertx = Vertx.vertx();
    MessageCodecs.registerAll(vertx.eventBus());
    return vertx;
  }

  /** Joins the cluster; completes once this node is a member and its event bus is up. */
  public static Future<ClusterNode> join(JoinOptions options) {
    Config config;
    try {
      config = hazelcastConfig(options.hazelcastXml(), options.clusterName());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    HazelcastClusterManager manager = new HazelcastClusterManager(config);
    BusTransport bus = options.bus();
    BusTransport.Binding binding;
    try {
      binding = bus.bind(options.host());
    } catch (IOException | IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    VertxOptions vertxOptions = new VertxOptions().setEventBusOptions(binding.eventBus());
    VertxBuilder builder = Vertx.builder().withClusterManager(manager);
    if (options.metrics() != null) {
      // a registry name of its own: Vert.x keeps its metrics backends by name, JVM-wide
      vertxOptions.setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
          .setJvmMetricsEnabled(true).setRegistryName("jdetr-node-" + System.identityHashCode(options)));
      builder.withMetrics(new MicrometerMetricsFactory(options.metrics()));
    }
    return builder.with(vertxOptions)
        .buildClustered()
        .compose(vertx -> bus.tls() == null ? Future.succeededFuture(vertx)
            : BusGate.start(vertx, options.host(), binding.gatePort(), binding.loopbackPort(), bus.tls(),
                bus.maxFrameBytes()).map(v -> vertx)
                .recover(e -> vertx.close().transform(v -> Future.failedFuture(e))))
        .map(vertx -> {
          MessageCodecs.registerAll(vertx.eventBus());
          logMembership(manager);
          return new ClusterNode(vertx, manager);
        });
  }

  /** Reads a Hazelcast XML configuration, with an optional cluster-name override. */
  public static Config hazelcastConfig(Path xml, String clusterName) {
    if (!Files.isRegularFile(xml)) {
      throw new IllegalArgumentException("cluster configuration " + xml + " does not exist");
    }
    Config config;
    try {
      config = Config.loadFromFile(xml.toFile());
    } catch (FileNotFoundException | RuntimeException e) {
      throw new IllegalArgumentException("cannot read cluster configuration " + xml + ": " + e.getMessage(), e);
    }
    if (clusterName != null) {
      config.setClusterName(clusterName);
    }
    return config;
  }

  private static void logMembership(HazelcastClusterManager manager) {
    manager.getHazelcastInstance().getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent e) {
        LOG.info("cluster member joined: {} ({} members)", e.getMember().getUuid(), e.getMembers().size());
      }

      @Override
      public void memberRemoved(MembershipEvent e) {
        LOG.warn("cluster member left or was lost: {} ({} members)", e.getMember().getUuid(),
            e.getMembers().size());
      }
    });
  }
}

package jdetr.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Test-matrix row C8 on a real two-member cluster (two Hazelcast members and clustered event buses
 * in this JVM, over loopback TCP, with the repository's cluster.xml): a request to an address
 * whose only consumer, on the other member, has been undeployed fails with NO_HANDLERS once the
 * undeploy has reached the sender's routing (a request sent on the stale route just before that
 * times out: at most one is allowed, as the matrix notes); from then on such requests
 * fail within {@value #NO_HANDLERS_BUDGET_MS} ms (median; the slowest, on a loaded 2-core machine,
 * within {@value #SLOWEST_NO_HANDLERS_MS} ms, far below the 5 s send timeout a stale route would
 * take). Measured here: 9 ms from undeploy to the first NO_HANDLERS, slowest answer 46 ms.
 */
class NoHandlersClusterTest {
  private static final Path CLUSTER_XML = Path.of("conf", "cluster.xml").toAbsolutePath();
  private static final String ADDRESS = "test.c8";
  /** Matrix budget for a NO_HANDLERS answer. */
  private static final long NO_HANDLERS_BUDGET_MS = 100;
  private static final long SLOWEST_NO_HANDLERS_MS = 1_000;
  /** Undeploy to the first NO_HANDLERS seen by the other member (calibrated: well under 1 s). */
  private static final long ROUTING_BUDGET_MS = 5_000;
  private static final DeliveryOptions FIVE_SECONDS = new DeliveryOptions().setSendTimeout(5_000);

  static <T> T await(Future<T> f, int seconds) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }

  /** The failure of a request to {@link #ADDRESS}, or null if it was answered. */
  static ReplyFailure send(ClusterNode from) throws Exception {
    try {
      await(from.vertx().eventBus().request(ADDRESS, "ping", FIVE_SECONDS), 30);
      return null;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ReplyException r) {
        return r.failureType();
      }
      throw e;
    }
  }

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void anUndeployedConsumerAnswersNoHandlersNotATimeout() throws Exception {
    String name = "jdetr-test-" + UUID.randomUUID();
    ClusterNode sender = await(Cluster.join(new Cluster.JoinOptions(CLUSTER_XML, name, null)), 150);
    ClusterNode host = await(Cluster.join(new Cluster.JoinOptions(CLUSTER_XML, name, null)), 150);
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (sender.members().size() != 2 || host.members().size() != 2) {
        assertThat(System.nanoTime()).as("2 members within 60 s").isLessThan(deadline);
        Thread.sleep(100);
      }
      assertThat(send(sender)).as("nothing deployed yet").isEqualTo(ReplyFailure.NO_HANDLERS);

      String deployment = await(host.vertx().deployVerticle(new VerticleBase() {
        @Override
        public Future<?> start() {
          return vertx.eventBus().<String>consumer(ADDRESS, m -> m.reply("pong")).completion();
        }
      }), 30);
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (send(sender) != null) {
        assertThat(System.nanoTime()).as("the consumer reachable within 30 s").isLessThan(deadline);
        Thread.sleep(50);
      }

      await(host.vertx().undeploy(deployment), 30);
      long undeployed = System.nanoTime();
      int answered = 0;
      int staleTimeouts = 0;
      long firstNoHandlers = 0;
      while (firstNoHandlers == 0) {
        ReplyFailure f = send(sender);
        if (f == ReplyFailure.NO_HANDLERS) {
          firstNoHandlers = System.nanoTime();
        } else if (f == ReplyFailure.TIMEOUT) {
          // the matrix's note: a request sent on the stale route while the undeploy reaches the
          // sender's routing table times out instead (seen once in four runs here)
          staleTimeouts++;
        } else {
          answered++;
        }
        assertThat((System.nanoTime() - undeployed) / 1_000_000).as("NO_HANDLERS within the routing budget")
            .isLessThanOrEqualTo(ROUTING_BUDGET_MS + staleTimeouts * 5_000L);
      }
      assertThat(staleTimeouts).as("stale-route timeouts while routing converged").isLessThanOrEqualTo(1);
      long[] nanos = new long[51];
      for (int i = 0; i < nanos.length; i++) {
        long t0 = System.nanoTime();
        assertThat(send(sender)).isEqualTo(ReplyFailure.NO_HANDLERS);
        nanos[i] = System.nanoTime() - t0;
      }
      java.util.Arrays.sort(nanos);
      long median = nanos[nanos.length / 2];
      long slowest = nanos[nanos.length - 1];
      assertThat(median / 1_000_000).as("median NO_HANDLERS answer, ms").isLessThanOrEqualTo(NO_HANDLERS_BUDGET_MS);
      assertThat(slowest / 1_000_000).as("slowest NO_HANDLERS answer, ms").isLessThanOrEqualTo(SLOWEST_NO_HANDLERS_MS);
      System.out.println(new JsonObject().put("test", "cluster-no-handlers")
          .put("answeredAfterUndeploy", answered).put("staleRouteTimeouts", staleTimeouts)
          .put("undeployToNoHandlersMs", (firstNoHandlers - undeployed) / 1_000_000)
          .put("medianNoHandlersMs", median / 1e6).put("slowestNoHandlersMs", slowest / 1e6).encode());
    } finally {
      await(host.close(), 60);
      await(sender.close(), 60);
    }
  }
}

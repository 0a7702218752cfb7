package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import jdetr.bus.Addresses;
import jdetr.bus.Cluster;
import jdetr.bus.ClusterNode;
import jdetr.bus.CreditedRequester;
import jdetr.matcher.HungarianMatchSolver;
import jdetr.matcher.MatchReply;
import jdetr.matcher.MatchRequest;
import jdetr.matcher.RandomMatchRequests;
import jdetr.testing.ChildJvm;
import jdetr.verticles.MatcherVerticle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real cluster on loopback: this JVM (the requester, as the trainer will be) and two
 * {@code jdetr node --role matcher} JVMs. Binary match units travel between JVMs; one matcher is
 * killed with SIGKILL mid-stream and every unit is still answered once, in order, by the survivor
 * (test-matrix rows C1/C2 in spirit); with both gone the requester computes locally.
 */
class NodeClusterTest {
  private static final Path CLUSTER_XML = Path.of("conf", "cluster.xml").toAbsolutePath();
  private static final Path LOGS = Path.of("target", "child-logs");
  private static final List<String> HAZELCAST_JVM_ARGS = List.of(
      "--add-modules", "java.se", "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");
  private static final String DESCRIPTOR = """
      {"name": "matcher", "verticle": "jdetr.verticles.MatcherVerticle", "threadingModel": "WORKER",
       "instances": 2, "workerPool": {"name": "jdetr-matcher", "size": 2},
       "roles": ["matcher"], "config": {"solver": "jdetr.matcher.HungarianMatchSolver"}}
      """;
  private static final int UNITS = 300;
  private static final int KILL_AFTER = 80;

  @TempDir Path descriptors;

  ChildJvm startNode(String name, String clusterName) throws Exception {
    return ChildJvm.start(name, LOGS, HAZELCAST_JVM_ARGS, Main.class.getName(), List.of(
        "node", "--role", "matcher", "--cluster", CLUSTER_XML.toString(),
        "--cluster-name", clusterName, "--verticles", descriptors.toString()));
  }

  static <T> T await(Future<T> f, int seconds) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }

  static double seconds(long fromNanos, long toNanos) {
    return Math.round((toNanos - fromNanos) / 1e7) / 100.0;
  }

  static void awaitMembers(ClusterNode node, int count, Duration cap) throws InterruptedException {
    long deadline = System.nanoTime() + cap.toNanos();
    while (node.members().size() != count) {
      assertThat(System.nanoTime()).as("%d cluster members within %s", count, cap).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void matchingGoesOnWhenAMatcherNodeIsKilled() throws Exception {
    Files.writeString(descriptors.resolve("30-matcher.json"), DESCRIPTOR);
    String clusterName = "jdetr-test-" + UUID.randomUUID();
    HungarianMatchSolver solver = new HungarianMatchSolver();
    long start = System.nanoTime();
    try (ChildJvm a = startNode("matcher-a", clusterName);
        ChildJvm b = startNode("matcher-b", clusterName)) {
      ClusterNode self = await(Cluster.join(new Cluster.JoinOptions(CLUSTER_XML, clusterName, null)), 150);
      try {
        JsonObject readyA = new JsonObject(a.awaitLine(l -> l.contains("\"event\":\"ready\""), Duration.ofSeconds(150)));
        JsonObject readyB = new JsonObject(b.awaitLine(l -> l.contains("\"event\":\"ready\""), Duration.ofSeconds(150)));
        awaitMembers(self, 3, Duration.ofSeconds(60));
        long formed = System.nanoTime();

        // 1. Plain request/reply across JVMs, until both matcher nodes have answered.
        Random rnd = new Random(21);
        Set<String> responders = new HashSet<>();
        long probeDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (responders.size() < 2 && System.nanoTime() < probeDeadline) {
          MatchRequest r = RandomMatchRequests.randomRequest(rnd, 0, 0, 0, 100, 92, 8);
          Message<MatchReply> m = await(self.vertx().eventBus().request(Addresses.MATCH, r,
              new DeliveryOptions().setSendTimeout(5_000)), 10);
          assertThat(m.body()).isEqualTo(solver.solve(r));
          responders.add(m.headers().get(MatcherVerticle.RESPONDER_HEADER).split("@")[0]);
        }
        assertThat(responders).containsExactlyInAnyOrder(
            Long.toString(readyA.getLong("pid")), Long.toString(readyB.getLong("pid")));

        // 2. A stream of units with 4 in flight; matcher A is killed after 80 replies.
        CreditedRequester<MatchRequest, MatchReply> requester = new CreditedRequester<>(
            self.vertx().getOrCreateContext(), Addresses.MATCH,
            new CreditedRequester.Policy(4, Duration.ofSeconds(1), 30, Duration.ofMillis(100)), null);
        List<MatchRequest> units = new ArrayList<>();
        List<Future<MatchReply>> replies = new ArrayList<>();
        AtomicLongArray completedAt = new AtomicLongArray(UNITS);
        List<Integer> completionOrder = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < UNITS; i++) {
          MatchRequest r = RandomMatchRequests.randomRequest(rnd, 1 + i / 12, i % 2, (i / 2) % 6, 100, 92, 1 + i % 9);
          units.add(r);
          int index = i;
          replies.add(requester.request(r).onComplete(ar -> {
            completedAt.set(index, System.nanoTime());
            completionOrder.add(index);
          }));
        }
        await(replies.get(KILL_AFTER - 1), 60);
        long killedAt = System.nanoTime();
        a.kill();
        AtomicLong removedAt = new AtomicLong();
        Thread watcher = new Thread(() -> {
          while (removedAt.get() == 0 && System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(60)) {
            if (self.members().size() == 2) {
              removedAt.set(System.nanoTime());
            }
            try {
              Thread.sleep(100);
            } catch (InterruptedException e) {
              return;
            }
          }
        }, "member-watch");
        watcher.start();
        await(Future.join(replies), 120);
        long done = System.nanoTime();
        watcher.join(65_000);

        for (int i = 0; i < UNITS; i++) {
          assertThat(replies.get(i).succeeded()).as("unit %d", i).isTrue();
          assertThat(replies.get(i).result()).as("unit %d", i).isEqualTo(solver.solve(units.get(i)));
        }
        List<Integer> expectedOrder = new ArrayList<>();
        for (int i = 0; i < UNITS; i++) {
          expectedOrder.add(i);
        }
        assertThat(completionOrder).as("each unit answered once, in order").isEqualTo(expectedOrder);
        CreditedRequester.Stats stats = requester.stats();
        assertThat(stats.failures()).isZero();
        assertThat(stats.retries()).as("units lost with the killed node were asked again").isPositive();
        assertThat(stats.sends()).isEqualTo(UNITS + stats.retries());
        assertThat(stats.maxInFlight()).isLessThanOrEqualTo(4);
        assertThat(removedAt.get()).as("the killed node left the member list").isPositive();

        long firstAfterKill = Long.MAX_VALUE;
        long longestStall = 0;
        long previous = killedAt;
        for (int i = 0; i < UNITS; i++) {
          long t = completedAt.get(i);
          if (t > killedAt) {
            firstAfterKill = Math.min(firstAfterKill, t);
            longestStall = Math.max(longestStall, t - previous);
            previous = t;
          }
        }

        // Recovery budgets of test-matrix row C1 (membership removal 12 s, work resumed within
        // 30 s), with room for a loaded 2-core machine; measured here 0.5 s and 1.0 s.
        assertThat(seconds(killedAt, removedAt.get())).as("member removal, s").isLessThanOrEqualTo(15.0);
        assertThat(seconds(0, longestStall)).as("longest pause after the kill, s").isLessThanOrEqualTo(30.0);

        // 3. No matcher left: the requester computes locally.
        b.kill();
        CreditedRequester<MatchRequest, MatchReply> withFallback = new CreditedRequester<>(
            self.vertx().getOrCreateContext(), Addresses.MATCH,
            new CreditedRequester.Policy(4, Duration.ofSeconds(1), 2, Duration.ofMillis(100)), solver::solve);
        List<MatchRequest> local = new ArrayList<>();
        List<Future<MatchReply>> localReplies = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
          MatchRequest r = RandomMatchRequests.randomRequest(rnd, 100, i, 0, 100, 92, 5);
          local.add(r);
          localReplies.add(withFallback.request(r));
        }
        long fallbackStart = System.nanoTime();
        await(Future.all(localReplies), 60);
        long fallbackDone = System.nanoTime();
        for (int i = 0; i < local.size(); i++) {
          assertThat(localReplies.get(i).result()).isEqualTo(solver.solve(local.get(i)));
        }
        assertThat(withFallback.stats().fallbacks()).isEqualTo(12);

        System.out.println(new JsonObject()
            .put("test", "cluster-failover")
            .put("clusterFormedSeconds", seconds(start, formed))
            .put("nodeJoinMs", new io.vertx.core.json.JsonArray(List.of(readyA.getLong("joinMs"), readyB.getLong("joinMs"))))
            .put("firstReplyAfterKillSeconds", seconds(killedAt, firstAfterKill))
            .put("longestStallAfterKillSeconds", seconds(0, longestStall))
            .put("memberRemovedSeconds", seconds(killedAt, removedAt.get()))
            .put("remainingUnitsSeconds", seconds(killedAt, done))
            .put("retries", stats.retries())
            .put("timeouts", stats.timeouts())
            .put("noHandlers", stats.noHandlers())
            .put("fallbackUnitsSeconds", seconds(fallbackStart, fallbackDone))
            .encode());
      } finally {
        await(self.close(), 60);
      }
    }
  }
}

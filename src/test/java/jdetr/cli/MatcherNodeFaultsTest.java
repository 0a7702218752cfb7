package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import jdetr.bus.Addresses;
import jdetr.bus.Cluster;
import jdetr.bus.ClusterNode;
import jdetr.bus.CreditedRequester;
import jdetr.matcher.HungarianMatchSolver;
import jdetr.matcher.MatchReply;
import jdetr.matcher.MatchRequest;
import jdetr.matcher.RandomMatchRequests;
import jdetr.verticles.MatcherVerticle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test-matrix rows C3 and C9 with real processes and signals: this JVM (the requester, as a
 * trainer is) and {@code jdetr node --role matcher} JVMs on loopback, with the repository's
 * cluster.xml (heartbeat 1 s, a member silent for 10 s is removed, merge checks after 5 s).
 * Budgets are the matrix's, calibrated on a loaded 2-core machine; each test prints what it
 * measured.
 */
class MatcherNodeFaultsTest {
  private static final Duration START = Duration.ofSeconds(150);
  private static final String DESCRIPTOR = """
      {"name": "matcher", "verticle": "jdetr.verticles.MatcherVerticle", "threadingModel": "WORKER",
       "instances": 2, "workerPool": {"name": "jdetr-matcher", "size": 2},
       "roles": ["matcher"], "config": {"solver": "jdetr.matcher.HungarianMatchSolver"}}
      """;
  private static final HungarianMatchSolver SOLVER = new HungarianMatchSolver();

  @TempDir Path descriptors;

  /** One request's outcome: who answered (pid), or how it failed. */
  record Outcome(long atNanos, String responder, ReplyFailure failure) {}

  static <T> T await(Future<T> f, int seconds) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }

  static double seconds(long nanos) {
    return Math.round(nanos / 1e7) / 100.0;
  }

  /** {@code n} match requests sent at once, each with a 2 s timeout; answers are checked. */
  static List<Outcome> burst(ClusterNode self, Random rnd, int n) throws Exception {
    List<MatchRequest> requests = new ArrayList<>();
    List<Future<Message<MatchReply>>> replies = new ArrayList<>();
    long at = System.nanoTime();
    for (int i = 0; i < n; i++) {
      MatchRequest r = RandomMatchRequests.randomRequest(rnd, 0, i, 0, 100, 92, 4);
      requests.add(r);
      replies.add(self.vertx().eventBus().request(Addresses.MATCH, r,
          new DeliveryOptions().setSendTimeout(2_000)));
    }
    List<Outcome> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      try {
        Message<MatchReply> m = await(replies.get(i), 30);
        assertThat(m.body()).isEqualTo(SOLVER.solve(requests.get(i)));
        out.add(new Outcome(at, m.headers().get(MatcherVerticle.RESPONDER_HEADER).split("@")[0], null));
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof ReplyException r)) {
          throw e;
        }
        out.add(new Outcome(at, null, r.failureType()));
      }
    }
    return out;
  }

  /** Sends bursts until every one of {@code pids} has answered. */
  static void awaitResponders(ClusterNode self, Random rnd, Set<String> pids, Duration cap) throws Exception {
    Set<String> seen = new HashSet<>();
    long deadline = System.nanoTime() + cap.toNanos();
    while (!seen.containsAll(pids)) {
      assertThat(System.nanoTime()).as("%s all answering within %s (seen %s)", pids, cap, seen)
          .isLessThan(deadline);
      burst(self, rnd, 8).forEach(o -> seen.add(o.responder()));
    }
  }

  static void awaitMembers(ClusterNode node, int count, Duration cap) throws InterruptedException {
    long deadline = System.nanoTime() + cap.toNanos();
    while (node.members().size() != count) {
      assertThat(System.nanoTime()).as("%d cluster members within %s", count, cap).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private TestCluster cluster() throws Exception {
    Files.writeString(descriptors.resolve("30-matcher.json"), DESCRIPTOR);
    return new TestCluster(descriptors);
  }

  private static String pid(NodeEvents n) {
    return Long.toString(n.node().pid());
  }

  /**
   * C9: two of three members SIGKILLed at once and restarted. From 20 s after the restarted nodes
   * are ready, no request goes to a dead node's stale route (it would time out): every request is
   * answered, and only by the new processes.
   */
  @Test
  @Timeout(value = 420, unit = TimeUnit.SECONDS)
  void twoOfThreeKilledAndRestartedRouteOnlyToLiveNodes() throws Exception {
    Random rnd = new Random(9);
    try (TestCluster cluster = cluster()) {
      NodeEvents a = cluster.start("c9-matcher-a", "matcher", List.of());
      a.awaitReady(START);
      NodeEvents b = cluster.start("c9-matcher-b", "matcher", List.of());
      ClusterNode self = await(Cluster.join(new Cluster.JoinOptions(TestCluster.CLUSTER_XML, cluster.name(), null)), 150);
      try {
        b.awaitReady(START);
        awaitMembers(self, 3, START);
        awaitResponders(self, rnd, Set.of(pid(a), pid(b)), Duration.ofSeconds(60));

        long killed = System.nanoTime();
        a.node().kill();
        b.node().kill();
        NodeEvents a2 = cluster.start("c9-matcher-a2", "matcher", List.of());
        NodeEvents b2 = cluster.start("c9-matcher-b2", "matcher", List.of());
        a2.awaitReady(START);
        b2.awaitReady(START);
        long ready = System.nanoTime();
        long budgetEnd = ready + TimeUnit.SECONDS.toNanos(20);
        List<Outcome> outcomes = new ArrayList<>();
        while (System.nanoTime() < budgetEnd + TimeUnit.SECONDS.toNanos(10)) {
          outcomes.addAll(burst(self, rnd, 10));
          Thread.sleep(200);
        }
        List<Outcome> after = outcomes.stream().filter(o -> o.atNanos() >= budgetEnd).toList();
        assertThat(after).as("requests sent from 20 s after the restarted nodes were ready").hasSizeGreaterThan(50);
        assertThat(after).as("no failures after convergence").allSatisfy(o -> assertThat(o.failure()).isNull());
        assertThat(after.stream().map(Outcome::responder).distinct().toList())
            .as("answered only by the restarted nodes").containsExactlyInAnyOrder(pid(a2), pid(b2));
        long lastFailure = outcomes.stream().filter(o -> o.failure() != null).mapToLong(Outcome::atNanos)
            .max().orElse(ready);
        System.out.println(new JsonObject().put("test", "cluster-two-of-three-restarted")
            .put("restartedReadySeconds", seconds(ready - killed))
            .put("timeoutsAfterReady", outcomes.stream().filter(o -> o.failure() == ReplyFailure.TIMEOUT).count())
            .put("noHandlersAfterReady", outcomes.stream().filter(o -> o.failure() == ReplyFailure.NO_HANDLERS).count())
            .put("lastFailureAfterReadySeconds", seconds(Math.max(0, lastFailure - ready)))
            .put("requests", outcomes.size()).encode());
      } finally {
        await(self.close(), 60);
      }
    }
  }

  /**
   * C3: a matcher frozen with SIGSTOP for 15 s (longer than the 10 s failure timeout), then
   * SIGCONT, while a stream of match units runs: every unit is answered once, in order and right;
   * the frozen member is removed within the budget; from 20 s after the SIGCONT, probes see no
   * timeout and no NO_HANDLERS. What the thawed node does next (rejoin, stop, or stay a cluster of
   * its own) is reported; if it rejoins, probes must still see no failure.
   */
  @Test
  @Timeout(value = 420, unit = TimeUnit.SECONDS)
  void aMatcherFrozenLongerThanTheFailureTimeoutLosesNoUnit() throws Exception {
    Random rnd = new Random(3);
    try (TestCluster cluster = cluster()) {
      NodeEvents a = cluster.start("c3-matcher-a", "matcher", List.of());
      a.awaitReady(START);
      NodeEvents b = cluster.start("c3-matcher-b", "matcher", List.of());
      ClusterNode self = await(Cluster.join(new Cluster.JoinOptions(TestCluster.CLUSTER_XML, cluster.name(), null)), 150);
      try {
        b.awaitReady(START);
        awaitMembers(self, 3, START);
        awaitResponders(self, rnd, Set.of(pid(a), pid(b)), Duration.ofSeconds(60));

        // a paced stream of units through the requester the trainer uses
        CreditedRequester<MatchRequest, MatchReply> requester = new CreditedRequester<>(
            self.vertx().getOrCreateContext(), Addresses.MATCH,
            new CreditedRequester.Policy(4, Duration.ofSeconds(2), 30, Duration.ofMillis(100)), null);
        List<MatchRequest> units = Collections.synchronizedList(new ArrayList<>());
        List<Future<MatchReply>> replies = Collections.synchronizedList(new ArrayList<>());
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean streaming = new AtomicBoolean(true);
        Thread stream = new Thread(() -> {
          Random unitRnd = new Random(33);
          for (int i = 0; streaming.get(); i++) {
            MatchRequest r = RandomMatchRequests.randomRequest(unitRnd, 1 + i, i % 2, 0, 100, 92, 1 + i % 9);
            int index = i;
            units.add(r);
            replies.add(requester.request(r).onComplete(ar -> order.add(index)));
            try {
              Thread.sleep(50);
            } catch (InterruptedException e) {
              return;
            }
          }
        }, "c3-units");
        stream.start();
        Thread.sleep(2_000);

        long stopped = System.nanoTime();
        a.node().signal("STOP");
        AtomicLong removed = new AtomicLong();
        while (System.nanoTime() - stopped < TimeUnit.SECONDS.toNanos(15)) {
          if (removed.get() == 0 && self.members().size() == 2) {
            removed.set(System.nanoTime());
          }
          Thread.sleep(100);
        }
        a.node().signal("CONT");
        long continued = System.nanoTime();
        assertThat(removed.get()).as("the frozen member was removed within 15 s").isPositive();

        // the thawed node rejoins (or stops); probes from 20 s after the SIGCONT must all succeed
        long healthyFrom = continued + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < healthyFrom) {
          Thread.sleep(200);
        }
        List<Outcome> probes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          probes.addAll(burst(self, rnd, 10));
        }
        streaming.set(false);
        stream.join();
        await(Future.join(new ArrayList<>(replies)), 120);
        long done = System.nanoTime();

        assertThat(probes).as("50 probes from 20 s after SIGCONT").allSatisfy(o -> assertThat(o.failure()).isNull());
        for (int i = 0; i < units.size(); i++) {
          assertThat(replies.get(i).succeeded()).as("unit %d", i).isTrue();
          assertThat(replies.get(i).result()).as("unit %d", i).isEqualTo(SOLVER.solve(units.get(i)));
        }
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < units.size(); i++) {
          expected.add(i);
        }
        assertThat(order).as("each unit answered once, in order").isEqualTo(expected);
        CreditedRequester.Stats stats = requester.stats();
        assertThat(stats.failures()).isZero();
        assertThat(stats.sends()).isEqualTo(units.size() + stats.retries());
        // then: a clean rejoin (its routes must work: vertx-hazelcast#196) or a stop, reported
        String thawed = "isolated (a cluster of its own) for 40 s after the probes";
        long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (System.nanoTime() < waitUntil) {
          if (!a.node().isAlive()) {
            thawed = "exited with " + a.node().awaitExit(Duration.ofSeconds(1));
            break;
          }
          if (self.members().size() == 3) {
            thawed = "rejoined " + seconds(System.nanoTime() - continued) + " s after SIGCONT";
            Thread.sleep(5_000); // the merge's subscriptions settle
            List<Outcome> afterRejoin = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
              afterRejoin.addAll(burst(self, rnd, 10));
            }
            assertThat(afterRejoin).as("probes after the rejoin").allSatisfy(o -> assertThat(o.failure()).isNull());
            break;
          }
          Thread.sleep(200);
        }
        double removalSeconds = seconds(removed.get() - stopped);
        assertThat(removalSeconds).as("member removal after SIGSTOP, s (matrix: 12)").isLessThanOrEqualTo(14);
        Set<String> afterResponders = new HashSet<>();
        probes.forEach(o -> afterResponders.add(o.responder()));
        System.out.println(new JsonObject().put("test", "cluster-sigstop-matcher")
            .put("memberRemovedSeconds", removalSeconds)
            .put("thawed", thawed)
            .put("probeResponders", afterResponders.stream().map(p -> p.equals(pid(a)) ? "thawed" : "other").toList())
            .put("units", units.size()).put("retries", stats.retries()).put("timeouts", stats.timeouts())
            .put("streamDoneAfterContSeconds", seconds(done - continued)).encode());
      } finally {
        await(self.close(), 60);
      }
    }
  }
}

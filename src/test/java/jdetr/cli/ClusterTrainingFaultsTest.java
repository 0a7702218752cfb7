package jdetr.cli;

import static jdetr.cli.ClusterRun.RUN;
import static jdetr.cli.ClusterRun.START;
import static jdetr.cli.ClusterRun.assertFinishedLikeOneJvm;
import static jdetr.cli.ClusterRun.fiveNodes;
import static jdetr.cli.ClusterRun.recipeArgs;
import static jdetr.cli.ClusterRun.withoutEval;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Test-matrix rows C6 and C3 during training on a real cluster of {@code jdetr node} JVMs
 * (two data nodes, two matchers, a trainer): nodes stopped with SIGTERM or frozen with SIGSTOP
 * mid-run, and the run still trains exactly like the one-JVM run ({@link ClusterRun}).
 */
class ClusterTrainingFaultsTest {

  @BeforeAll
  static void prepare() throws Exception {
    ClusterRun.prepare();
  }

  /**
   * C6: a rolling SIGTERM restart during a run: matcher A, then data node A, then matcher B are
   * stopped one after the other (graceful: they undeploy and leave) and each is replaced by a new
   * JVM. Every step runs once (the weights equal the one-JVM run's), the stopped nodes exit on
   * SIGTERM (143) within the grace period, and the only timed-out requests are those pending when
   * a node closed (vert.x#4170): none was sent more than a second after a node had left.
   */
  @Test
  @Timeout(value = 600, unit = TimeUnit.SECONDS)
  void rollingSigtermOfMatcherAndDataNodesLosesNoStep() throws Exception {
    try (TestCluster cluster = new TestCluster(withoutEval)) {
      NodeEvents[] n = fiveNodes(cluster, "roll");
      NodeEvents dataA = n[0];
      NodeEvents matcherA = n[2];
      NodeEvents matcherB = n[3];
      NodeEvents trainer = n[4];

      List<LocalTime> left = new ArrayList<>();
      List<Long> stoppedAfter = new ArrayList<>();
      String[][] rolling = {{"roll-matcher-a", "matcher"}, {"roll-data-a", "data"}, {"roll-matcher-b", "matcher"}};
      NodeEvents[] stopping = {matcherA, dataA, matcherB};
      long[] atStep = {3, 12, 22};
      for (int i = 0; i < stopping.length; i++) {
        stoppedAfter.add(trainer.awaitStep(atStep[i], RUN).getLong("step"));
        assertThat(stopping[i].node().stop(Duration.ofSeconds(60)))
            .as("%s left on SIGTERM (143), not SIGKILLed after the grace period", rolling[i][0]).isEqualTo(143);
        left.add(LocalTime.now());
        cluster.start(rolling[i][0] + "2", rolling[i][1],
            rolling[i][1].equals("data") ? recipeArgs("roll") : List.of());
      }
      JsonObject end = trainer.awaitEnd(RUN);

      assertFinishedLikeOneJvm(trainer, end, "roll");
      // when each timed-out request was sent (its log line comes 3 s later)
      List<LocalTime> timedOut = Files.readAllLines(trainer.node().stderrFile()).stream()
          .filter(l -> l.contains("no reply within 3000 ms"))
          .map(l -> LocalTime.parse(l.substring(0, 12)).minusSeconds(3)).toList();
      for (LocalTime sent : timedOut) {
        boolean pendingAtAClose = left.stream()
            .anyMatch(gone -> !sent.isBefore(gone.minusSeconds(65)) && !sent.isAfter(gone.plusSeconds(1)));
        assertThat(pendingAtAClose).as("a request sent at %s timed out; nodes left at %s", sent, left).isTrue();
      }
      System.out.println(new JsonObject().put("test", "cluster-rolling-sigterm")
          .put("stoppedAfterSteps", stoppedAfter).put("timeouts", timedOut.size()).put("end", end).encode());
    }
  }

  /**
   * C3 during training: a matcher and a data node frozen with SIGSTOP for 15 s (longer than the
   * 10 s failure timeout) from step 3, then SIGCONT. The trainer goes on with the other nodes;
   * every step runs once (the weights equal the one-JVM run's) and the run finishes.
   */
  @Test
  @Timeout(value = 600, unit = TimeUnit.SECONDS)
  void frozenMatcherAndDataNodesLoseNoStep() throws Exception {
    try (TestCluster cluster = new TestCluster(withoutEval)) {
      NodeEvents[] n = fiveNodes(cluster, "freeze");
      NodeEvents dataA = n[0];
      NodeEvents matcherA = n[2];
      NodeEvents matcherB = n[3];
      NodeEvents trainer = n[4];

      long frozenAfter = trainer.awaitStep(3, START).getLong("step");
      matcherA.node().signal("STOP");
      dataA.node().signal("STOP");
      long stopped = System.nanoTime();
      Thread.sleep(15_000);
      matcherA.node().signal("CONT");
      dataA.node().signal("CONT");
      trainer.drain();
      long thawedAt = trainer.last().getLong("step");
      JsonObject end = trainer.awaitEnd(RUN);
      long finished = System.nanoTime();

      assertFinishedLikeOneJvm(trainer, end, "freeze");
      assertThat(thawedAt).as("steps went on while A was frozen").isGreaterThan(frozenAfter);
      System.out.println(new JsonObject().put("test", "cluster-sigstop-training")
          .put("frozenAfterStep", frozenAfter).put("stepAtSigcont", thawedAt)
          .put("finishedAfterSigstopSeconds", Math.round((finished - stopped) / 1e7) / 100.0)
          .put("end", end).encode());
    }
  }
}

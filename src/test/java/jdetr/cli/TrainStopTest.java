package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import jdetr.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jdetr train} in a child JVM gets SIGTERM while it trains: the step that runs finishes, the
 * JVM exits with 143 and without a crash report ({@code hs_err_pid*.log}: before, libtorch's
 * destructors ran under the training thread), the run says where it stopped, and
 * {@code --resume} continues from the checkpoint it named. The stages (the default), the plain
 * loop ({@code --sequential}) and a trainer node of a cluster.
 */
class TrainStopTest {

  /** 12 train images, batch 2: one epoch of 6 steps; a step checkpoint every 2 steps. */
  private static Path recipe(Path tmp, String name) throws Exception {
    ObjectNode r = TrainResumeTest.recipe(tmp.resolve("shapes"), tmp.resolve(name));
    ((ObjectNode) r.get("data").get("synth")).put("train", 12);
    Path file = tmp.resolve(name + ".json");
    Files.writeString(file, r.toPrettyString());
    return file;
  }

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void stagesStopAtAStepBoundaryAndResume(@TempDir Path tmp) throws Exception {
    Path recipe = recipe(tmp, "staged");
    List<String> args = List.of("train", recipe.toString(), "--stages", "verticles", "--log-every", "1");
    String newest = stopAfterThirdStep("train-sigterm", List.of(), args,
        l -> l.startsWith("epoch 0 [3/6]"));

    List<String> resume = Stream.concat(args.stream(), Stream.of("--resume")).toList();
    try (ChildJvm child = start("train-sigterm-resumed", resume)) {
      assertThat(child.awaitExit(Duration.ofSeconds(90))).as(child.stderrTail()).isZero();
      assertThat(String.join("\n", child.drain())).contains("resumed from " + newest);
    }
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void thePlainLoopStopsAtAStepBoundary(@TempDir Path tmp) throws Exception {
    Path recipe = recipe(tmp, "plain");
    stopAfterThirdStep("train-sequential-sigterm", List.of(), List.of("train", recipe.toString(),
        "--sequential", "--log-every", "1"), l -> l.startsWith("epoch 0 [3/6]"));
  }

  /** A trainer node alone (it prepares batches and matches itself) leaves the cluster after its step. */
  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void aTrainerNodeStopsAtAStepBoundary(@TempDir Path tmp) throws Exception {
    Path recipe = recipe(tmp, "node");
    List<String> args = List.of("node", "--role", "trainer", "--cluster",
        TestCluster.CLUSTER_XML.toString(), "--cluster-name", "jdetr-test-" + UUID.randomUUID(),
        "--host", "127.0.0.1", "--verticles", "verticles", recipe.toString());
    stopAfterThirdStep("node-trainer-sigterm", TestCluster.HAZELCAST_JVM_ARGS, args,
        l -> l.contains("\"event\":\"step\"") && l.contains("\"step\":2,"));
  }

  /** {@code bench train} stops after the step that runs, without a crash report. */
  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void benchTrainStopsAtAStepBoundary(@TempDir Path tmp) throws Exception {
    Path recipe = recipe(tmp, "bench");
    try (ChildJvm child = start("bench-train-sigterm", List.of("bench", "train", "--configs",
        recipe.toString(), "--modes", "sequential", "--steps", "200", "--warmup", "0",
        "--data", tmp.resolve("bench-data").toString()))) {
      child.awaitLine(l -> l.contains("\"step\":2,"), Duration.ofSeconds(60));
      ProcessHandle.of(child.pid()).orElseThrow().destroy();
      assertThat(child.awaitExit(Duration.ofSeconds(60))).as("exit status after SIGTERM; stderr: %s",
          child.stderrTail()).isEqualTo(143);
      assertThat(Path.of("hs_err_pid" + child.pid() + ".log")).doesNotExist();
      child.drain();
      assertThat(child.seen().stream().filter(l -> l.contains("\"step\":")).count())
          .as("step lines").isBetween(3L, 10L);
      assertThat(Files.readString(child.stderrFile()))
          .contains("jdetr: SIGTERM: stopping ").contains("benchmark (thread jdetr-trainer)");
    }
  }

  /**
   * Starts the training command, sends SIGTERM once its third step is logged (the fourth runs then)
   * and checks how it ended; returns the checkpoint the stop line names.
   */
  private static String stopAfterThirdStep(String name, List<String> jvmArgs, List<String> args,
      Predicate<String> thirdStep) throws Exception {
    try (ChildJvm child = ChildJvm.start(name, Path.of("target", "child-logs"),
        Stream.concat(jvmArgs.stream(), Stream.of("-Dai.djl.pytorch.num_threads=1")).toList(),
        Main.class.getName(), args)) {
      child.awaitLine(thirdStep, Duration.ofSeconds(100));
      // SIGTERM, keeping the pipes open (Process.destroy would close them and lose what it says)
      ProcessHandle.of(child.pid()).orElseThrow().destroy();
      assertThat(child.awaitExit(Duration.ofSeconds(60))).as("exit status after SIGTERM; stderr: %s",
          child.stderrTail()).isEqualTo(143);
      assertThat(Path.of("hs_err_pid" + child.pid() + ".log")).doesNotExist();
      String stopLine = child.awaitLine(l -> l.startsWith("stopped by SIGTERM after step "),
          Duration.ofSeconds(10));
      assertThat(stopLine).matches("stopped by SIGTERM after step [3-6]; the newest checkpoint is "
          + ".*step-00000[2-6]; continue with --resume");
      child.drain();
      assertThat(child.seen()).noneMatch(l -> l.startsWith("finished:") || l.contains("\"finished\""));
      assertThat(Files.readString(child.stderrFile()))
          .contains("jdetr: SIGTERM: stopping ").contains("training (thread ");
      return stopLine.substring(stopLine.indexOf("is ") + 3, stopLine.indexOf("; continue"));
    }
  }

  private static ChildJvm start(String name, List<String> args) throws Exception {
    return ChildJvm.start(name, Path.of("target", "child-logs"),
        List.of("-Dai.djl.pytorch.num_threads=1"), Main.class.getName(), args);
  }
}

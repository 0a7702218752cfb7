package jdetr.cli;

import static jdetr.cli.ClusterRun.RUN;
import static jdetr.cli.ClusterRun.START;
import static jdetr.cli.ClusterRun.STEPS;
import static jdetr.cli.ClusterRun.assertEveryStepOnce;
import static jdetr.cli.ClusterRun.clusterSha;
import static jdetr.cli.ClusterRun.fiveNodes;
import static jdetr.cli.ClusterRun.form;
import static jdetr.cli.ClusterRun.oneJvmSha;
import static jdetr.cli.ClusterRun.recipeArgs;
import static jdetr.cli.ClusterRun.withEval;
import static jdetr.cli.ClusterRun.withoutEval;
import static jdetr.cli.ClusterRun.work;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Training spread over a real cluster of {@code jdetr node} JVMs on loopback (trainer, data,
 * matcher and eval roles, the stage descriptors of verticles/ with short request timeouts),
 * compared with the same recipe trained in one JVM by the plain loop ({@code jdetr train
 * --sequential}): the weights must be SHA-256-equal, which holds only if every step ran once, in
 * order, on the same batch and matching ({@link ClusterRun}). The trainer's step events count
 * answered requests per node.
 */
class ClusterTrainingTest {

  @BeforeAll
  static void prepare() throws Exception {
    ClusterRun.prepare();
  }

  @Test
  @Timeout(value = 600, unit = TimeUnit.SECONDS)
  void clusterTrainsLikeOneJvmAndLateMatcherAndEvalNodesTakeWork() throws Exception {
    try (TestCluster cluster = new TestCluster(withEval)) {
      NodeEvents data = cluster.start("late-data", "data", recipeArgs("late"));
      data.awaitReady(START);
      NodeEvents matcherA = cluster.start("late-matcher-a", "matcher", List.of());
      form(List.of(data, matcherA));
      NodeEvents trainer = cluster.start("late-trainer", "trainer", recipeArgs("late"));
      trainer.awaitMembers(3, START);
      trainer.awaitStep(1, START);
      NodeEvents matcherB = cluster.start("late-matcher-b", "matcher", List.of());
      matcherB.awaitMembers(4, START);
      trainer.drain();
      long joinedAfter = trainer.last().getLong("step");
      awaitLatest(work.resolve("late/checkpoints"), "step-%06d".formatted(STEPS), RUN);
      // the epoch's checkpoint was committed while no eval stage was running
      cluster.start("late-eval", "eval", List.of()).awaitReady(START);
      JsonObject end = trainer.awaitEnd(RUN);

      assertThat(end.getString("event")).as(end.encode()).isEqualTo("finished");
      assertThat(end.getLong("steps")).isEqualTo(STEPS);
      assertEveryStepOnce(trainer);
      assertThat(trainer.node().awaitExit(Duration.ofSeconds(60))).as("trainer node exit code").isZero();
      assertThat(clusterSha("late")).as("weights equal to the one-JVM run's").isEqualTo(oneJvmSha());

      String a = TestCluster.responder(matcherA.node());
      String b = TestCluster.responder(matcherB.node());
      assertThat(joinedAfter).as("matcher B joined mid-run").isLessThan(STEPS - 2);
      for (JsonObject s : trainer.steps()) {
        if (s.getLong("step") <= 1) {
          assertThat(NodeEvents.count(s, "matched_by", b)).as("B before it started").isZero();
        }
      }
      assertThat(NodeEvents.count(end, "matched_by", a)).isPositive();
      assertThat(NodeEvents.count(end, "matched_by", b)).as("units served by the late matcher")
          .isPositive();
      assertThat(NodeEvents.count(end, "batches_by", TestCluster.responder(data.node()))).isPositive();
      JsonObject line = new JsonObject(Files.readAllLines(work.resolve("late/log.jsonl")).get(0));
      assertThat(line.getJsonArray("test_coco_eval_bbox")).as("evaluated by the late eval node")
          .hasSize(12);
      assertThat(line.getJsonArray("test_coco_eval_bbox"))
          .isEqualTo(new JsonObject(Files.readAllLines(work.resolve("one-jvm/log.jsonl")).get(0))
              .getJsonArray("test_coco_eval_bbox"));
      System.out.println(new JsonObject().put("test", "cluster-late-matcher-and-eval")
          .put("joinedAfterStep", joinedAfter).put("end", end).encode());
    }
  }

  private static void awaitLatest(Path root, String name, Duration cap) throws Exception {
    Path latest = root.resolve("LATEST");
    long deadline = System.nanoTime() + cap.toNanos();
    while (!(Files.isRegularFile(latest) && Files.readString(latest).strip().equals(name))) {
      assertThat(System.nanoTime()).as("%s naming %s within %s", latest, name, cap).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  @Test
  @Timeout(value = 600, unit = TimeUnit.SECONDS)
  void killedMatcherAndDataNodesLoseNoStep() throws Exception {
    try (TestCluster cluster = new TestCluster(withoutEval)) {
      NodeEvents[] n = fiveNodes(cluster, "kill");
      NodeEvents dataA = n[0];
      NodeEvents dataB = n[1];
      NodeEvents matcherA = n[2];
      NodeEvents matcherB = n[3];
      NodeEvents trainer = n[4];
      String ma = TestCluster.responder(matcherA.node());
      String mb = TestCluster.responder(matcherB.node());
      String da = TestCluster.responder(dataA.node());
      String db = TestCluster.responder(dataB.node());

      // 1. A matcher dies; units sent to it time out and go to the other one.
      JsonObject beforeMatcher = trainer.awaitStep(3, START);
      matcherA.node().kill();
      // 2. A data node dies while the other one runs.
      JsonObject beforeData = trainer.awaitStep(10, RUN);
      dataA.node().kill();
      // 3. The last matcher dies: the trainer matches locally.
      JsonObject beforeLast = trainer.awaitStep(20, RUN);
      matcherB.node().kill();
      JsonObject end = trainer.awaitEnd(RUN);

      assertThat(end.getString("event")).as(end.encode()).isEqualTo("finished");
      assertEveryStepOnce(trainer);
      assertThat(trainer.node().awaitExit(Duration.ofSeconds(60))).as("trainer node exit code").isZero();
      assertThat(clusterSha("kill")).as("weights equal to the one-JVM run's").isEqualTo(oneJvmSha());

      assertThat(NodeEvents.count(beforeMatcher, "matched_by", ma)).as("A served before it died")
          .isPositive();
      assertThat(NodeEvents.count(beforeLast, "matched_by", mb))
          .as("B served after A died").isGreaterThan(NodeEvents.count(beforeMatcher, "matched_by", mb));
      assertThat(NodeEvents.count(beforeData, "batches_by", da)).as("data A served before it died")
          .isPositive();
      assertThat(NodeEvents.count(end, "batches_by", db))
          .as("data B served after data A died")
          .isGreaterThan(NodeEvents.count(beforeData, "batches_by", db));
      assertThat(NodeEvents.count(end, "matched_by", "local"))
          .as("matched locally once no matcher was left")
          .isGreaterThan(NodeEvents.count(beforeLast, "matched_by", "local"));
      String log = Files.readString(trainer.node().stderrFile());
      assertThat(log).as("the trainer's log names the lost requests")
          .contains("jdetr.match: no reply within 3000 ms").contains("computing it locally");
      System.out.println(new JsonObject().put("test", "cluster-kills")
          .put("killedMatcherAfterStep", beforeMatcher.getLong("step"))
          .put("killedDataAfterStep", beforeData.getLong("step"))
          .put("killedLastMatcherAfterStep", beforeLast.getLong("step"))
          .put("end", end).encode());
    }
  }

  /**
   * Issue: a trainer and a matcher node only, as a new user tries the cluster first. The run ends
   * (no wait for an eval stage beyond {@code --eval-wait}); the checkpoint stage says once that
   * no eval stage runs and which command starts one; batches are prepared locally after one
   * NO_HANDLERS, without retries; the log stays short; the unevaluated checkpoint is evaluated
   * afterwards by {@code jdetr eval --checkpoint} to the one-JVM run's numbers.
   */
  @Test
  @Timeout(value = 600, unit = TimeUnit.SECONDS)
  void aTrainerWithOnlyAMatcherSaysWhatItWaitsForAndFinishes() throws Exception {
    try (TestCluster cluster = new TestCluster(withEval)) {
      NodeEvents matcher = cluster.start("alone-matcher", "matcher", List.of());
      matcher.awaitReady(START);
      List<String> args = new ArrayList<>(recipeArgs("alone"));
      args.addAll(List.of("--eval-wait", "12"));
      NodeEvents trainer = cluster.start("alone-trainer", "trainer", args);
      JsonObject end = trainer.awaitEnd(RUN);

      assertThat(end.getString("event")).as(end.encode()).isEqualTo("finished");
      assertEveryStepOnce(trainer);
      assertThat(trainer.node().awaitExit(Duration.ofSeconds(60))).as("trainer node exit code").isZero();
      assertThat(NodeEvents.count(end, "matched_by", TestCluster.responder(matcher.node())))
          .isPositive();
      assertThat(NodeEvents.count(end, "batches_by", "local")).isEqualTo(STEPS);
      assertThat(end.getLong("batch_retries")).as("no per-request retries without a data node")
          .isZero();

      String log = Files.readString(trainer.node().stderrFile());
      assertThat(occurrences(log, "no eval stage is running")).as(log).isEqualTo(1);
      assertThat(log).contains("start one with `jdetr node --role eval --cluster CLUSTER.xml`");
      assertThat(occurrences(log, "jdetr.data.batch: no node serves it")).as(log).isEqualTo(1);
      assertThat(log).doesNotContain("modular environment").doesNotContain("UNSAFE mode");
      List<String> warnings = log.lines().filter(l -> l.contains(" WARN "))
          // another test's cluster knocking on this one's ports is not this run's concern
          .filter(l -> !l.contains("different cluster")) // "members part of …", "has a … cluster-name"
          .filter(l -> !l.contains("Some of the ports seem occupied")).toList();
      assertThat(warnings).as("WARN lines of the trainer node").hasSizeLessThanOrEqualTo(4);

      String out = String.join("\n", trainer.node().seen());
      Path checkpoint = work.resolve("alone/checkpoints").resolve("step-%06d".formatted(STEPS));
      assertThat(out).contains("waiting for the evaluation of epoch 0 (step-%06d)".formatted(STEPS))
          .contains("jdetr node --role eval")
          .contains("evaluate it later with: jdetr eval --checkpoint " + checkpoint);
      JsonObject line = new JsonObject(Files.readAllLines(work.resolve("alone/log.jsonl")).get(0));
      assertThat(line.containsKey("test_coco_eval_bbox")).as(line.encode()).isFalse();
      assertThat(clusterSha("alone")).as("weights equal to the one-JVM run's").isEqualTo(oneJvmSha());

      JsonObject evaluated = new JsonObject(runInProcess("eval", "--checkpoint",
          checkpoint.toString(), "--json"));
      assertThat(evaluated.getJsonArray("stats"))
          .isEqualTo(new JsonObject(Files.readAllLines(work.resolve("one-jvm/log.jsonl")).get(0))
              .getJsonArray("test_coco_eval_bbox"));
    }
  }

  private static int occurrences(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }

  /** Runs a jdetr command in this JVM; returns what it printed, failing on a non-zero exit. */
  private static String runInProcess(String... args) {
    java.io.PrintStream old = System.out;
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
      code = new picocli.CommandLine(new Main()).execute(args);
    } finally {
      System.setOut(old);
    }
    String printed = out.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(code).as("jdetr %s: %s", String.join(" ", args), printed).isZero();
    return printed;
  }
}

package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jdetr.checkpoint.ModelWeights;
import jdetr.data.SynthConfig;
import jdetr.data.SyntheticDataset;
import jdetr.testing.ChildJvm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training spread over a real cluster of {@code jdetr node} JVMs on loopback (trainer, data,
 * matcher and eval roles, the stage descriptors of verticles/ with short request timeouts),
 * compared with the same recipe trained in one JVM by the plain loop ({@code jdetr train
 * --sequential}): the weights must be SHA-256-equal, which holds only if every step ran once, in
 * order, on the same batch and matching. The trainer's step events count answered requests per
 * node.
 */
class ClusterTrainingTest {
  private static final int STEPS = 40;
  private static final Duration START = Duration.ofSeconds(240);
  private static final Duration RUN = Duration.ofSeconds(300);

  @TempDir static Path work;
  private static Path recipe;
  private static Path withEval;
  private static Path withoutEval;
  private static ChildJvm oneJvm;

  /** Writes the dataset, the recipe and the descriptors; starts the one-JVM run. */
  @BeforeAll
  static void startOneJvmRun() throws Exception {
    Path data = work.resolve("shapes");
    SyntheticDataset.write(data, new SynthConfig(2 * STEPS, 2, 64, 3, 2, "jpg", 0, 0, 1, 4), false);
    recipe = work.resolve("tiny.json");
    Files.writeString(recipe, """
        {"model": {"backbone": "resnet18", "hidden_dim": 32, "nheads": 4, "enc_layers": 1,
                   "dec_layers": 1, "dim_feedforward": 64, "num_queries": 6, "dropout": 0.0},
         "lr": 1e-3, "lr_backbone": 1e-4, "batch_size": 2, "epochs": 1, "seed": 11,
         "data": {"root": "%s"},
         "augmentation": {"scales": [48, 64], "max_size": 80, "crop_resize_sizes": [48, 56],
                          "crop_min_size": 32, "crop_max_size": 48, "val_size": 64},
         "output_dir": "unused"}
        """.formatted(data.toString().replace("\\", "\\\\")));
    withEval = descriptors("verticles-eval", 300);
    withoutEval = descriptors("verticles-no-eval", 1);
    List<String> args = new ArrayList<>(List.of("train", "--sequential"));
    args.addAll(recipeArgs("one-jvm"));
    oneJvm = ChildJvm.start("one-jvm-train", TestCluster.LOGS, TestCluster.HAZELCAST_JVM_ARGS,
        Main.class.getName(), args);
  }

  /**
   * The stage descriptors of verticles/ with 3 s request timeouts; {@code evalWaitSeconds}: how
   * long the trainer waits at the end for an eval node's result.
   */
  private static Path descriptors(String name, int evalWaitSeconds) throws Exception {
    Path dir = work.resolve(name);
    Files.createDirectories(dir);
    for (String f : List.of("20-data.json", "30-matcher.json", "40-trainer.json",
        "50-checkpoint.json", "55-eval.json")) {
      JsonObject d = new JsonObject(Files.readString(Path.of("verticles", f)));
      if (f.equals("40-trainer.json")) {
        d.getJsonObject("config").put("timeoutSeconds", 3).put("attempts", 3)
            .put("evalWaitSeconds", evalWaitSeconds);
      }
      Files.writeString(dir.resolve(f), d.encodePrettily());
    }
    return dir;
  }

  @AfterAll
  static void stopOneJvmRun() throws InterruptedException {
    if (oneJvm != null) {
      oneJvm.close();
    }
  }

  /** SHA-256 of the weights after the one-JVM run's last step. */
  private static synchronized String oneJvmSha() throws Exception {
    assertThat(oneJvm.awaitExit(RUN)).as("jdetr train exit code; %s", oneJvm.stderrTail()).isZero();
    return clusterSha("one-jvm");
  }

  private static List<String> recipeArgs(String out) {
    return List.of(recipe.toString(), "--set", "output_dir=" + work.resolve(out));
  }

  private static String clusterSha(String out) throws Exception {
    return ModelWeights.readInfo(work.resolve(out).resolve("checkpoints")
        .resolve("step-%06d".formatted(STEPS))).sha256();
  }

  /** Every global step 0..STEPS-1 reported exactly once, in order, with a finite loss. */
  private static void assertEveryStepOnce(NodeEvents events) {
    List<Long> seen = new ArrayList<>();
    for (JsonObject s : events.steps()) {
      seen.add(s.getLong("step"));
      assertThat(Double.isFinite(s.getDouble("loss"))).as("loss of %s", s).isTrue();
    }
    List<Long> expected = new ArrayList<>();
    for (long s = 0; s < STEPS; s++) {
      expected.add(s);
    }
    assertThat(seen).isEqualTo(expected);
  }

  /**
   * Starts the first node alone (it becomes the Hazelcast master), then the others together, and
   * waits until every one of them sees them all: nodes started at the same moment with no master
   * yet may form separate clusters that merge only later.
   */
  private static void form(List<NodeEvents> nodes) throws Exception {
    nodes.get(0).awaitReady(START);
    for (NodeEvents n : nodes) {
      n.awaitMembers(nodes.size(), START);
    }
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
      NodeEvents dataA = cluster.start("kill-data-a", "data", recipeArgs("kill"));
      dataA.awaitReady(START);
      NodeEvents dataB = cluster.start("kill-data-b", "data", recipeArgs("kill"));
      NodeEvents matcherA = cluster.start("kill-matcher-a", "matcher", List.of());
      NodeEvents matcherB = cluster.start("kill-matcher-b", "matcher", List.of());
      form(List.of(dataA, dataB, matcherA, matcherB));
      NodeEvents trainer = cluster.start("kill-trainer", "trainer", recipeArgs("kill"));
      trainer.awaitMembers(5, START);
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
          .filter(l -> !l.contains("members part of different cluster")).toList();
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
      NodeEvents dataA = cluster.start("roll-data-a", "data", recipeArgs("roll"));
      dataA.awaitReady(START);
      NodeEvents dataB = cluster.start("roll-data-b", "data", recipeArgs("roll"));
      NodeEvents matcherA = cluster.start("roll-matcher-a", "matcher", List.of());
      NodeEvents matcherB = cluster.start("roll-matcher-b", "matcher", List.of());
      form(List.of(dataA, dataB, matcherA, matcherB));
      NodeEvents trainer = cluster.start("roll-trainer", "trainer", recipeArgs("roll"));
      trainer.awaitMembers(5, START);

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

      assertThat(end.getString("event")).as(end.encode()).isEqualTo("finished");
      assertEveryStepOnce(trainer);
      assertThat(trainer.node().awaitExit(Duration.ofSeconds(60))).as("trainer node exit code").isZero();
      assertThat(clusterSha("roll")).as("weights equal to the one-JVM run's").isEqualTo(oneJvmSha());
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
      NodeEvents dataA = cluster.start("freeze-data-a", "data", recipeArgs("freeze"));
      dataA.awaitReady(START);
      NodeEvents dataB = cluster.start("freeze-data-b", "data", recipeArgs("freeze"));
      NodeEvents matcherA = cluster.start("freeze-matcher-a", "matcher", List.of());
      NodeEvents matcherB = cluster.start("freeze-matcher-b", "matcher", List.of());
      form(List.of(dataA, dataB, matcherA, matcherB));
      NodeEvents trainer = cluster.start("freeze-trainer", "trainer", recipeArgs("freeze"));
      trainer.awaitMembers(5, START);

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

      assertThat(end.getString("event")).as(end.encode()).isEqualTo("finished");
      assertEveryStepOnce(trainer);
      assertThat(trainer.node().awaitExit(Duration.ofSeconds(60))).as("trainer node exit code").isZero();
      assertThat(clusterSha("freeze")).as("weights equal to the one-JVM run's").isEqualTo(oneJvmSha());
      assertThat(thawedAt).as("steps went on while A was frozen").isGreaterThan(frozenAfter);
      System.out.println(new JsonObject().put("test", "cluster-sigstop-training")
          .put("frozenAfterStep", frozenAfter).put("stepAtSigcont", thawedAt)
          .put("finishedAfterSigstopSeconds", Math.round((finished - stopped) / 1e7) / 100.0)
          .put("end", end).encode());
    }
  }
}

package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import jdetr.checkpoint.ModelWeights;
import jdetr.data.SynthConfig;
import jdetr.data.SyntheticDataset;
import jdetr.testing.ChildJvm;

/**
 * What the cluster training tests share, prepared once per test JVM: a generated dataset, a tiny
 * recipe of {@value #STEPS} steps, the stage descriptors of verticles/ with 3 s request timeouts,
 * and the same recipe trained in one JVM by the plain loop ({@code jdetr train --sequential}),
 * whose weights a cluster run must equal: that holds only if every step ran once, in order, on the
 * same batch and matching. Everything lives in a temporary directory removed when the JVM exits.
 */
final class ClusterRun {
  static final int STEPS = 40;
  static final Duration START = Duration.ofSeconds(240);
  static final Duration RUN = Duration.ofSeconds(300);

  static Path work;
  static Path withEval;
  static Path withoutEval;
  private static Path recipe;
  private static ChildJvm oneJvm;

  private ClusterRun() {}

  /** Writes the dataset, the recipe and the descriptors and starts the one-JVM run, once. */
  static synchronized void prepare() throws Exception {
    if (work != null) {
      return;
    }
    work = Files.createTempDirectory("jdetr-cluster-run");
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
    Runtime.getRuntime().addShutdownHook(new Thread(ClusterRun::cleanUp, "cluster-run-clean-up"));
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

  private static void cleanUp() {
    try {
      oneJvm.close();
      try (Stream<Path> all = Files.walk(work)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException | InterruptedException e) {
      System.err.println("cluster test files left in " + work + ": " + e);
    }
  }

  /** SHA-256 of the weights after the one-JVM run's last step. */
  static synchronized String oneJvmSha() throws Exception {
    assertThat(oneJvm.awaitExit(RUN)).as("jdetr train exit code; %s", oneJvm.stderrTail()).isZero();
    return clusterSha("one-jvm");
  }

  static List<String> recipeArgs(String out) {
    return List.of(recipe.toString(), "--set", "output_dir=" + work.resolve(out));
  }

  static String clusterSha(String out) throws Exception {
    return ModelWeights.readInfo(work.resolve(out).resolve("checkpoints")
        .resolve("step-%06d".formatted(STEPS))).sha256();
  }

  /** Every global step 0..STEPS-1 reported exactly once, in order, with a finite loss. */
  static void assertEveryStepOnce(NodeEvents events) {
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

  /** The run finished, every step once, the trainer exited 0, the weights equal the one-JVM run's. */
  static void assertFinishedLikeOneJvm(NodeEvents trainer, JsonObject end, String out) throws Exception {
    assertThat(end.getString("event")).as(end.encode()).isEqualTo("finished");
    assertEveryStepOnce(trainer);
    assertThat(trainer.node().awaitExit(Duration.ofSeconds(60))).as("trainer node exit code").isZero();
    assertThat(clusterSha(out)).as("weights equal to the one-JVM run's").isEqualTo(oneJvmSha());
  }

  /**
   * Starts the first node alone (it becomes the Hazelcast master), then the others together, and
   * waits until every one of them sees them all: nodes started at the same moment with no master
   * yet may form separate clusters that merge only later.
   */
  static void form(List<NodeEvents> nodes) throws Exception {
    nodes.get(0).awaitReady(START);
    for (NodeEvents n : nodes) {
      n.awaitMembers(nodes.size(), START);
    }
  }

  /**
   * Data nodes A and B and matchers A and B formed into one cluster, then a trainer that sees them
   * all: {dataA, dataB, matcherA, matcherB, trainer}, named {@code <prefix>-data-a} and so on,
   * writing under {@code <prefix>/}.
   */
  static NodeEvents[] fiveNodes(TestCluster cluster, String prefix) throws Exception {
    NodeEvents dataA = cluster.start(prefix + "-data-a", "data", recipeArgs(prefix));
    dataA.awaitReady(START);
    NodeEvents dataB = cluster.start(prefix + "-data-b", "data", recipeArgs(prefix));
    NodeEvents matcherA = cluster.start(prefix + "-matcher-a", "matcher", List.of());
    NodeEvents matcherB = cluster.start(prefix + "-matcher-b", "matcher", List.of());
    form(List.of(dataA, dataB, matcherA, matcherB));
    NodeEvents trainer = cluster.start(prefix + "-trainer", "trainer", recipeArgs(prefix));
    trainer.awaitMembers(5, START);
    return new NodeEvents[] {dataA, dataB, matcherA, matcherB, trainer};
  }
}

package jdetr.bench;

import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jdetr.bus.Addresses;
import jdetr.bus.Cluster;
import jdetr.bus.ClusterNode;
import jdetr.bus.CreditedRequester;
import jdetr.engine.MatchingSource;
import jdetr.matcher.HungarianMatchSolver;
import jdetr.matcher.MatchReply;
import jdetr.matcher.MatchRequest;
import jdetr.matcher.MatcherConfig;
import jdetr.train.BatchSource;
import jdetr.train.BusBatchSource;
import jdetr.train.BusMatchingSource;
import jdetr.train.RecipeFingerprint;
import jdetr.train.TrainConfig;
import jdetr.train.TrainData;
import jdetr.verticles.DataVerticle;
import jdetr.verticles.MatcherVerticle;
import jdetr.verticles.StageDeployer;
import jdetr.verticles.StageDescriptor;
import jdetr.verticles.StageDescriptors;
import jdetr.verticles.TrainerVerticle;

/**
 * The stages around the trainer for {@code bench train}'s pipelined modes: the data and matcher
 * stages deployed from the descriptors (as {@code train --pipeline} deploys them), and the
 * trainer's credited requesters with the policies {@link TrainerVerticle} uses (2 batches in
 * flight; match credits and timeout from the trainer descriptor; local matching when no matcher
 * answers). In the cluster mode this JVM joins a loopback cluster with the data stage only, and
 * matching runs in {@code jdetr node --role matcher} child processes.
 */
final class BenchPipeline implements AutoCloseable {
  private final Vertx vertx;
  private final ClusterNode clusterNode;
  private final MatcherNodes nodes;
  private final CreditedRequester<JsonObject, Buffer> batchRequester;
  private final CreditedRequester<MatchRequest, MatchReply> matchRequester;
  private final String fingerprint;

  private BenchPipeline(Vertx vertx, ClusterNode clusterNode, MatcherNodes nodes,
      CreditedRequester<JsonObject, Buffer> batchRequester,
      CreditedRequester<MatchRequest, MatchReply> matchRequester, String fingerprint) {
    this.fingerprint = fingerprint;
    this.vertx = vertx;
    this.clusterNode = clusterNode;
    this.nodes = nodes;
    this.batchRequester = batchRequester;
    this.matchRequester = matchRequester;
  }

  /** Data and matcher stages on a local event bus in this JVM. */
  static BenchPipeline local(Path stages, TrainConfig config) throws Exception {
    Vertx vertx = Cluster.local();
    try {
      List<StageDescriptor> all = StageDescriptors.load(stages);
      deploy(vertx, select(all, "train", config));
      return withRequesters(vertx, null, null, all, config);
    } catch (Exception | Error e) {
      closeQuietly(vertx.close(), e);
      throw e;
    }
  }

  /**
   * This JVM in a fresh loopback cluster with the data stage; {@code matchers} child JVMs with
   * the matcher stage. Returns once every child has answered a match request.
   */
  static BenchPipeline cluster(Path stages, TrainConfig config, Path clusterXml, int matchers,
      Path logDir) throws Exception {
    String name = "jdetr-bench-" + UUID.randomUUID();
    List<StageDescriptor> all = StageDescriptors.load(stages);
    MatcherNodes nodes = MatcherNodes.start(matchers, clusterXml.toAbsolutePath(), name,
        Files.isDirectory(stages) ? stages.toAbsolutePath() : stages, logDir);
    ClusterNode node = null;
    try {
      node = await(Cluster.join(new Cluster.JoinOptions(clusterXml, name, "127.0.0.1")), 180);
      List<Long> pids = nodes.awaitReady(Duration.ofSeconds(180));
      awaitResponders(node.vertx(), pids, Duration.ofSeconds(60));
      deploy(node.vertx(), select(all, "data", config));
      return withRequesters(node.vertx(), node, nodes, all, config);
    } catch (Exception | Error e) {
      if (node != null) {
        closeQuietly(node.close(), e);
      }
      nodes.close();
      throw e;
    }
  }

  BatchSource batches() {
    return new BusBatchSource(batchRequester, fingerprint);
  }

  MatchingSource matching(MatcherConfig matcher) {
    return new BusMatchingSource(matchRequester, matcher);
  }

  CreditedRequester.Stats matchStats() {
    return matchRequester.stats();
  }

  /** Matcher child processes (0 in the one-JVM mode). */
  int matcherNodes() {
    return nodes == null ? 0 : nodes.size();
  }

  /** CPU time of the matcher child processes so far, in nanoseconds. */
  long childCpuNs() {
    return nodes == null ? 0 : nodes.cpuNs();
  }

  @Override
  public void close() throws Exception {
    batchRequester.close();
    matchRequester.close();
    try {
      await(clusterNode != null ? clusterNode.close() : vertx.close(), 30);
    } finally {
      if (nodes != null) {
        nodes.close();
      }
    }
  }

  /** The data and matcher stages of a role, as {@code train} and {@code node} deploy them. */
  private static List<StageDescriptor> select(List<StageDescriptor> all, String role,
      TrainConfig config) {
    return StageDescriptors.forRun(all, role, config, false).stream()
        .filter(d -> d.verticle().equals(DataVerticle.class.getName())
            || d.verticle().equals(MatcherVerticle.class.getName()))
        .toList();
  }

  private static void deploy(Vertx vertx, List<StageDescriptor> stages) throws Exception {
    await(StageDeployer.deploy(vertx, stages), 120);
  }

  private static BenchPipeline withRequesters(Vertx vertx, ClusterNode node, MatcherNodes nodes,
      List<StageDescriptor> all, TrainConfig config) throws Exception {
    String fingerprint = RecipeFingerprint.of(config,
        TrainData.openOrGenerate(config.data())[0]);
    JsonObject trainer = all.stream().filter(StageDescriptors::isTrainer)
        .map(StageDescriptor::config).findFirst().orElse(new JsonObject());
    Duration timeout = Duration.ofSeconds(trainer.getLong("timeoutSeconds", 120L));
    Context context = workerContext(vertx);
    CreditedRequester<JsonObject, Buffer> batches = new CreditedRequester<>(context,
        Addresses.DATA_BATCH, new CreditedRequester.Policy(2, timeout, 3, Duration.ofMillis(100)),
        null);
    HungarianMatchSolver local = new HungarianMatchSolver();
    CreditedRequester<MatchRequest, MatchReply> matches = new CreditedRequester<>(context,
        Addresses.MATCH, new CreditedRequester.Policy(trainer.getInteger("matchCredits", 16),
        timeout, 3, Duration.ofMillis(100)), local::solve);
    return new BenchPipeline(vertx, node, nodes, batches, matches, fingerprint);
  }

  /** A worker context, as the trainer stage's requesters have. */
  private static Context workerContext(Vertx vertx) throws Exception {
    CompletableFuture<Context> worker = new CompletableFuture<>();
    await(vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        worker.complete(context);
        return Future.succeededFuture();
      }
    }, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)), 30);
    return worker.get(30, TimeUnit.SECONDS);
  }

  /** Sends small match requests until each matcher process has answered one. */
  private static void awaitResponders(Vertx vertx, List<Long> pids, Duration cap)
      throws Exception {
    Set<String> expected = new HashSet<>();
    pids.forEach(p -> expected.add(Long.toString(p)));
    Set<String> seen = new HashSet<>();
    MatchRequest probe = new MatchRequest(-1, 0, 0, MatcherConfig.DETR, 2, 2,
        new float[] {0, 1, 1, 0}, new float[] {
            0.5f, 0.5f, 0.2f, 0.2f, 0.3f, 0.3f, 0.1f, 0.1f}, new int[] {0},
        new float[] {0.5f, 0.5f, 0.2f, 0.2f});
    long deadline = System.nanoTime() + cap.toNanos();
    while (!seen.containsAll(expected)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("matcher nodes " + expected + " did not all answer within "
            + cap + " (answered: " + seen + ")");
      }
      try {
        Message<MatchReply> m = await(vertx.eventBus().request(Addresses.MATCH, probe,
            new DeliveryOptions().setSendTimeout(5_000)), 10);
        String responder = m.headers().get(MatcherVerticle.RESPONDER_HEADER);
        if (responder != null) {
          seen.add(responder.split("@")[0]);
        }
      } catch (java.util.concurrent.ExecutionException e) {
        Thread.sleep(200); // subscriptions not visible yet
      }
    }
  }

  /** Waits for a close after a failure; a failing close is added to {@code failure}. */
  private static void closeQuietly(Future<?> close, Throwable failure) {
    try {
      await(close, 30);
    } catch (Exception e) {
      failure.addSuppressed(e);
    }
  }

  private static <T> T await(Future<T> f, int seconds) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }
}

package jdetr.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdetr.bus.Addresses;
import jdetr.bus.Cluster;
import jdetr.bus.CreditedRequester;
import jdetr.data.Batch;
import jdetr.matcher.MatchReply;
import jdetr.matcher.MatchRequest;
import jdetr.matcher.MatcherConfig;
import jdetr.train.BusMatchingSource;
import jdetr.verticles.StageDeployer;
import jdetr.verticles.StageDescriptors;
import org.junit.jupiter.api.Test;

/**
 * The must-hold equivalence with remote matching: a step split into micro-batches whose matchings
 * come from the matcher stage (deployed from {@code verticles/}) over the event bus gives the
 * parameters of the plain full-batch step with local matching.
 */
class RemoteMatchingStepTest {

  @Test
  void microBatchesMatchedByTheMatcherStageGiveTheFullBatchParameters() throws Exception {
    Vertx vertx = Cluster.local();
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      StageDeployer.deploy(vertx, StageDescriptors.forRole(
              StageDescriptors.load(Path.of("verticles")), "matcher"))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      CreditedRequester<MatchRequest, MatchReply> requester = new CreditedRequester<>(
          vertx.getOrCreateContext(), Addresses.MATCH,
          new CreditedRequester.Policy(4, Duration.ofSeconds(10), 3, Duration.ofMillis(50)), null);
      Engine.getInstance().setRandomSeed(21);
      Batch batch = TrainStepTest.batch(new Random(9), 4);
      TrainStepTest.Setup local = new TrainStepTest.Setup(m, null, 1);
      TrainStepTest.Setup remote = new TrainStepTest.Setup(m, local.detr, 2,
          new BusMatchingSource(requester, MatcherConfig.DETR));
      for (long step = 1; step <= 2; step++) {
        StepLog a = local.step.run(batch, step);
        StepLog b = remote.step.run(batch, step);
        assertThat(b.loss()).isCloseTo(a.loss(), org.assertj.core.data.Offset.offset(1e-5));
      }
      assertThat(requester.stats().sends()).as("every unit went over the bus")
          .isEqualTo(2 * 4 * 2);
      assertThat(requester.stats().maxInFlight()).isLessThanOrEqualTo(4);
      double worst = 0;
      Map<String, NDArray> pa = local.detr.stateDict();
      Map<String, NDArray> pb = remote.detr.stateDict();
      for (String k : pa.keySet()) {
        worst = Math.max(worst, pa.get(k).sub(pb.get(k)).abs().max().getFloat());
      }
      assertThat(worst).isLessThanOrEqualTo(1e-6);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}

package jdetr.verticles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdetr.bus.Addresses;
import jdetr.bus.Cluster;
import jdetr.bus.CreditedRequester;
import jdetr.bus.RequestFailedException;
import jdetr.matcher.HungarianMatchSolver;
import jdetr.matcher.MatchReply;
import jdetr.matcher.MatchRequest;
import jdetr.matcher.RandomMatchRequests;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The matcher stage in one JVM: deployed from its descriptor, asked through the credited requester. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MatcherVerticleTest {
  @TempDir Path dir;
  Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Cluster.local();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  List<StageDescriptor> descriptors() throws Exception {
    Files.writeString(dir.resolve("30-matcher.json"), StageDescriptorsTest.MATCHER);
    return StageDescriptors.forRole(StageDescriptors.load(dir), "matcher");
  }

  @Test
  void servesMatchingUnitsFromItsDescriptor() throws Exception {
    List<StageDeployer.Deployed> deployed = await(StageDeployer.deploy(vertx, descriptors()));
    assertThat(deployed).hasSize(1);
    CreditedRequester<MatchRequest, MatchReply> requester = new CreditedRequester<>(
        vertx.getOrCreateContext(), Addresses.MATCH,
        new CreditedRequester.Policy(4, Duration.ofSeconds(5), 3, Duration.ofMillis(50)), null);
    Random rnd = new Random(11);
    List<MatchRequest> requests = new ArrayList<>();
    List<Future<MatchReply>> replies = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      MatchRequest r = RandomMatchRequests.randomRequest(rnd, 7, i % 4, i / 4, 20, 6, 1 + i % 5);
      requests.add(r);
      replies.add(requester.request(r));
    }
    HungarianMatchSolver solver = new HungarianMatchSolver();
    for (int i = 0; i < requests.size(); i++) {
      MatchReply reply = await(replies.get(i));
      assertThat(reply).isEqualTo(solver.solve(requests.get(i)));
      assertThat(reply.answers(requests.get(i))).isTrue();
    }
    // Local delivery hands the request object itself to the verticle: no copy, no encoding.
    MatchRequest probe = requests.get(0);
    Message<MatchReply> direct = await(vertx.eventBus().request(Addresses.MATCH, probe));
    assertThat(direct.headers().get(MatcherVerticle.RESPONDER_HEADER))
        .startsWith(ProcessHandle.current().pid() + "@");
  }

  @Test
  void aRejectedUnitFailsWithItsName() throws Exception {
    await(StageDeployer.deploy(vertx, descriptors()));
    MatchRequest bad = RandomMatchRequests.randomRequest(new Random(3), 9, 1, 5, 4, 3, 2);
    bad.boxes()[2] = Float.NaN;
    CreditedRequester<MatchRequest, MatchReply> requester = new CreditedRequester<>(
        vertx.getOrCreateContext(), Addresses.MATCH,
        new CreditedRequester.Policy(2, Duration.ofSeconds(5), 3, Duration.ofMillis(50)), null);
    assertThatThrownBy(() -> await(requester.request(bad)))
        .cause()
        .isInstanceOf(RequestFailedException.class)
        .hasMessageContaining("MatchRequest[step=9, image=1, layer=5")
        .hasMessageContaining("non-finite cost at [0,0]");
    assertThat(requester.stats().sends()).isEqualTo(1);
  }

  @Test
  void aStageThatCannotStartUndoesTheStagesBeforeIt() throws Exception {
    Files.writeString(dir.resolve("20-matcher-a.json"), StageDescriptorsTest.MATCHER);
    Files.writeString(dir.resolve("30-matcher-b.json"), """
        {"name": "broken", "verticle": "jdetr.verticles.MatcherVerticle", "threadingModel": "WORKER",
         "roles": ["matcher"], "config": {"solver": "jdetr.verticles.NoSuchSolver"}}
        """);
    List<StageDescriptor> stages = StageDescriptors.forRole(StageDescriptors.load(dir), "matcher");
    assertThatThrownBy(() -> await(StageDeployer.deploy(vertx, stages)))
        .hasMessageContaining("stage broken (30-matcher-b.json) failed to deploy jdetr.verticles.MatcherVerticle")
        .hasMessageContaining("cannot create solver jdetr.verticles.NoSuchSolver");
    assertThat(vertx.deploymentIDs()).isEmpty();
  }
}

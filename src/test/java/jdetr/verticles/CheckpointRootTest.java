package jdetr.verticles;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import jdetr.bus.Addresses;
import jdetr.bus.Cluster;
import jdetr.checkpoint.CheckpointNote;
import jdetr.checkpoint.CheckpointNotice;
import jdetr.checkpoint.CheckpointStore;
import jdetr.checkpoint.CommitRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkpoint stage deployed with a run's recipe (as on a trainer node) commits into that run's
 * checkpoints directory, and refuses a request that names another root — with a {@code keep} that
 * would prune it — leaving that root untouched.
 */
class CheckpointRootTest {
  @TempDir Path tmp;

  private static CommitRequest request(CheckpointStore store, long step, int keep) {
    CheckpointStore.Staged staged = store.stage(step, dir ->
        Files.writeString(dir.resolve("state.json"), "{\"step\":" + step + "}"));
    return new CommitRequest(new CheckpointNote(step, 0, (int) step, 10, false, false), store.root(), keep,
        staged.dir());
  }

  @Test
  void commitsOnlyToTheRunsCheckpointDirectory() throws Exception {
    Path run = tmp.resolve("run");
    Path victim = tmp.resolve("elsewhere");
    CheckpointStore other = new CheckpointStore(victim, 5);
    for (long s = 1; s <= 3; s++) {
      other.commit(other.stage(s, d -> Files.writeString(d.resolve("state.json"), "{}")), x -> false);
    }
    Vertx vertx = Cluster.local();
    try {
      JsonObject config = new JsonObject().put("recipe", new JsonObject().put("output_dir", run.toString()));
      vertx.deployVerticle(CheckpointVerticle.class.getName(), new DeploymentOptions()
          .setThreadingModel(ThreadingModel.WORKER).setConfig(config))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

      CheckpointStore own = new CheckpointStore(run.resolve("checkpoints"), 3);
      CheckpointNotice saved = vertx.eventBus().<CheckpointNotice>request(Addresses.CHECKPOINT_SAVE, request(own, 1, 3))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).body();
      assertThat(saved.dir()).isEqualTo(run.resolve("checkpoints/step-000001").toAbsolutePath());

      CheckpointStore.Staged staged = other.stage(4, d -> Files.writeString(d.resolve("state.json"), "{}"));
      CommitRequest foreign = new CommitRequest(new CheckpointNote(4, 0, 4, 10, false, false), victim, 1,
          staged.dir());
      try {
        vertx.eventBus().request(Addresses.CHECKPOINT_SAVE, foreign)
            .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        throw new AssertionError("a request naming another root was committed");
      } catch (ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(ReplyException.class)
            .hasMessageContaining("checkpoint root " + victim.toAbsolutePath() + " refused")
            .hasMessageContaining("only to " + run.resolve("checkpoints").toAbsolutePath());
      }
      assertThat(other.steps()).as("the other root is not pruned").containsExactly(1L, 2L, 3L);
      assertThat(staged.dir()).as("nor is its staged directory committed").isDirectory();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}

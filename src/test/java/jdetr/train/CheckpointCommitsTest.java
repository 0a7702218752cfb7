package jdetr.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import jdetr.checkpoint.CheckpointException;
import jdetr.checkpoint.CheckpointStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint stage's logic, without Vert.x: commits, announcements, eval pins. */
class CheckpointCommitsTest {
  @TempDir Path root;

  private JsonObject request(CheckpointStore store, long step, boolean evaluate) {
    CheckpointStore.Staged staged = store.stage(step, dir ->
        Files.writeString(dir.resolve("state.json"), "{\"step\":" + step + "}"));
    return new CheckpointNote(step, 0, (int) step, 10, false, evaluate).toJson()
        .put("root", store.root().toString()).put("keep", store.keepLast())
        .put("staged", staged.dir().toString());
  }

  @Test
  void commitsInOrderAndKeepsWhatAwaitsEvaluation() {
    CheckpointStore store = new CheckpointStore(root, 1);
    CheckpointCommits commits = new CheckpointCommits();
    JsonObject saved = commits.commit(request(store, 1, true));
    assertThat(saved.getString("dir")).isEqualTo(root.resolve("step-000001").toString());
    assertThat(saved.getBoolean("evaluate")).isTrue();
    assertThat(CheckpointNote.fromJson(saved).describe()).isEqualTo("step-000001 (epoch 0, step 1/10)");
    commits.commit(request(store, 2, false));
    commits.commit(request(store, 3, false));
    assertThat(store.steps()).as("step 1 is kept for its evaluation").containsExactly(1L, 3L);
    commits.evaluated(saved.getString("dir"));
    commits.commit(request(store, 4, false));
    assertThat(store.steps()).containsExactly(4L);
    assertThat(commits.awaitingEval()).isEmpty();
  }

  @Test
  void announcesACommittedCheckpointAgainOrSaysItIsGone() {
    CheckpointStore store = new CheckpointStore(root, 2);
    CheckpointCommits commits = new CheckpointCommits();
    commits.commit(request(store, 5, false));
    JsonObject again = new CheckpointNote(5, 0, 10, 10, true, true).toJson()
        .put("root", root.toString()).put("keep", 2);
    assertThat(commits.commit(again).getString("dir")).isEqualTo(root.resolve("step-000005").toString());
    assertThat(commits.awaitingEval()).containsExactly(root.resolve("step-000005"));
    JsonObject gone = new CheckpointNote(4, 0, 10, 10, true, true).toJson()
        .put("root", root.toString()).put("keep", 2);
    assertThatThrownBy(() -> commits.commit(gone)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("step-000004 does not exist");
    assertThatThrownBy(() -> commits.commit(new JsonObject().put("step", 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'epoch'");
  }

  @Test
  void handsEachCheckpointToEvaluateOverUntilAnEvalStageTakesIt() {
    CheckpointStore store = new CheckpointStore(root, 3);
    CheckpointCommits commits = new CheckpointCommits();
    JsonObject first = commits.commit(request(store, 1, true));
    commits.commit(request(store, 2, false));
    JsonObject third = commits.commit(request(store, 3, true));
    assertThat(commits.handOver()).as("in commit order, only those to evaluate")
        .containsExactly(first, third);
    assertThat(commits.handOver()).as("not offered twice while being handed over").isEmpty();

    commits.notHandedOver(first);
    commits.handedOver(third);
    assertThat(commits.handOver()).as("no eval stage took the first").containsExactly(first);
    commits.notHandedOver(first);
    commits.evaluated(first.getString("dir"));
    assertThat(commits.handOver()).as("evaluated meanwhile").isEmpty();
    commits.notHandedOver(third);
    assertThat(commits.handOver()).as("taken, so never offered again").isEmpty();

    JsonObject again = new CheckpointNote(3, 0, 3, 10, false, true).toJson()
        .put("root", root.toString()).put("keep", 3);
    assertThat(commits.commit(again)).isEqualTo(third);
    assertThat(commits.handOver()).as("announced again for a resumed run").containsExactly(third);
  }
}

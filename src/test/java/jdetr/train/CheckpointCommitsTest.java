package jdetr.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import jdetr.checkpoint.CheckpointException;
import jdetr.checkpoint.CheckpointNote;
import jdetr.checkpoint.CheckpointNotice;
import jdetr.checkpoint.CheckpointStore;
import jdetr.checkpoint.CommitRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint stage's logic, without Vert.x: commits, announcements, eval pins. */
class CheckpointCommitsTest {
  @TempDir Path root;

  private CommitRequest request(CheckpointStore store, long step, boolean evaluate) {
    CheckpointStore.Staged staged = store.stage(step, dir ->
        Files.writeString(dir.resolve("state.json"), "{\"step\":" + step + "}"));
    return new CommitRequest(new CheckpointNote(step, 0, (int) step, 10, false, evaluate),
        store.root(), store.keepLast(), staged.dir());
  }

  @Test
  void commitsInOrderAndKeepsWhatAwaitsEvaluation() {
    CheckpointStore store = new CheckpointStore(root, 1);
    CheckpointCommits commits = new CheckpointCommits();
    CheckpointNotice saved = commits.commit(request(store, 1, true));
    assertThat(saved.dir()).isEqualTo(root.resolve("step-000001"));
    assertThat(saved.note().evaluate()).isTrue();
    assertThat(saved.note().describe()).isEqualTo("step-000001 (epoch 0, step 1/10)");
    commits.commit(request(store, 2, false));
    commits.commit(request(store, 3, false));
    assertThat(store.steps()).as("step 1 is kept for its evaluation").containsExactly(1L, 3L);
    commits.evaluated(saved.dir());
    commits.commit(request(store, 4, false));
    assertThat(store.steps()).containsExactly(4L);
    assertThat(commits.awaitingEval()).isEmpty();
  }

  @Test
  void announcesACommittedCheckpointAgainOrSaysItIsGone() {
    CheckpointStore store = new CheckpointStore(root, 2);
    CheckpointCommits commits = new CheckpointCommits();
    commits.commit(request(store, 5, false));
    CommitRequest again = new CommitRequest(new CheckpointNote(5, 0, 10, 10, true, true), root, 2, null);
    assertThat(again.announceAgain()).isTrue();
    assertThat(commits.commit(again).dir()).isEqualTo(root.resolve("step-000005"));
    assertThat(commits.awaitingEval()).containsExactly(root.resolve("step-000005"));
    CommitRequest gone = new CommitRequest(new CheckpointNote(4, 0, 10, 10, true, true), root, 2, null);
    assertThatThrownBy(() -> commits.commit(gone)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("step-000004 does not exist");
    assertThatThrownBy(() -> new CommitRequest(new CheckpointNote(1, 0, 1, 10, false, false), root, 0, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
  }

  @Test
  void handsEachCheckpointToEvaluateOverUntilAnEvalStageTakesIt() {
    CheckpointStore store = new CheckpointStore(root, 3);
    CheckpointCommits commits = new CheckpointCommits();
    CheckpointNotice first = commits.commit(request(store, 1, true));
    commits.commit(request(store, 2, false));
    CheckpointNotice third = commits.commit(request(store, 3, true));
    assertThat(commits.handOver()).as("in commit order, only those to evaluate")
        .containsExactly(first, third);
    assertThat(commits.handOver()).as("not offered twice while being handed over").isEmpty();

    commits.notHandedOver(first);
    commits.handedOver(third);
    assertThat(commits.handOver()).as("no eval stage took the first").containsExactly(first);
    commits.notHandedOver(first);
    commits.evaluated(first.dir());
    assertThat(commits.handOver()).as("evaluated meanwhile").isEmpty();
    commits.notHandedOver(third);
    assertThat(commits.handOver()).as("taken, so never offered again").isEmpty();

    CommitRequest again = new CommitRequest(new CheckpointNote(3, 0, 3, 10, false, true), root, 3, null);
    assertThat(commits.commit(again)).isEqualTo(third);
    assertThat(commits.handOver()).as("announced again for a resumed run").containsExactly(third);
  }
}

package jdetr.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A save split in two ({@link CheckpointStore#stage} on the training thread,
 * {@link CheckpointStore#commit} in the checkpoint stage): nothing staged is visible before its
 * commit, a commit spares what is staged for later steps, and pinned checkpoints survive pruning.
 */
class CheckpointStagingTest {
  @TempDir Path root;

  @Test
  void stagedIsInvisibleUntilCommittedAndLaterStagesSurviveACommit() throws IOException {
    CheckpointStore store = new CheckpointStore(root, 2);
    store.save(1, CheckpointStoreTest.writer(1));
    CheckpointStore.Staged two = store.stage(2, CheckpointStoreTest.writer(2));
    CheckpointStore.Staged three = store.stage(3, CheckpointStoreTest.writer(3));
    assertThat(store.loadLatest().orElseThrow().step()).as("staged is not loadable").isEqualTo(1);
    assertThat(store.steps()).containsExactly(1L);
    assertThat(store.leftovers()).hasSize(2);

    assertThat(store.commit(two, s -> false).dir()).isEqualTo(root.resolve("step-000002"));
    assertThat(Files.isDirectory(three.dir())).as("step 3 is still being staged").isTrue();
    store.commit(three, s -> false);
    assertThat(store.steps()).containsExactly(2L, 3L);
    assertThat(store.loadLatest().orElseThrow().step()).isEqualTo(3);
    assertThat(store.leftovers()).isEmpty();
  }

  @Test
  void aCommitRemovesStagesOfEarlierStepsLeftByACrash() throws IOException {
    CheckpointStore store = new CheckpointStore(root, 3);
    Path abandoned = store.stage(4, CheckpointStoreTest.writer(4)).dir(); // never committed
    Path sameStep = store.stage(5, CheckpointStoreTest.writer(5)).dir(); // a killed run's attempt
    CheckpointStore.Staged five = store.stage(5, CheckpointStoreTest.writer(5));
    Path later = store.stage(9, CheckpointStoreTest.writer(9)).dir();
    store.commit(five, s -> false);
    assertThat(abandoned).doesNotExist();
    assertThat(sameStep).doesNotExist();
    assertThat(later).isDirectory();
    store.removeLeftovers(); // at the start of a run nothing is in flight
    assertThat(later).doesNotExist();
    assertThat(store.leftovers()).isEmpty();
  }

  @Test
  void pinnedCheckpointsAreNotPrunedAndDoNotCount() throws IOException {
    CheckpointStore store = new CheckpointStore(root, 2);
    for (long step = 1; step <= 5; step++) {
      store.commit(store.stage(step, CheckpointStoreTest.writer(step)), s -> s == 2);
    }
    assertThat(store.steps()).containsExactly(2L, 4L, 5L);
    store.commit(store.stage(6, CheckpointStoreTest.writer(6)), s -> false);
    assertThat(store.steps()).containsExactly(5L, 6L);
  }

  @Test
  void aCommitChecksWhatItIsGiven() throws IOException {
    CheckpointStore store = new CheckpointStore(root, 2);
    CheckpointStore.Staged two = store.stage(2, CheckpointStoreTest.writer(2));
    assertThatThrownBy(() -> store.commit(new CheckpointStore.Staged(3, two.dir()), s -> false))
        .isInstanceOf(CheckpointException.class).hasMessageContaining("is not a staged step-000003");
    assertThatThrownBy(() -> store.commit(new CheckpointStore.Staged(2, root.resolve("elsewhere")),
        s -> false)).isInstanceOf(CheckpointException.class);
    assertThat(two.dir()).as("a refused request deletes nothing").isDirectory();
    assertThat(store.steps()).isEmpty();
    assertThat(store.loadLatest()).isEmpty();
  }
}

package jdetr.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdetr.checkpoint.CheckpointNote;
import jdetr.checkpoint.CheckpointNotice;
import jdetr.checkpoint.CheckpointStore;
import jdetr.checkpoint.CommitRequest;
import jdetr.checkpoint.SavedCheckpoint;

/**
 * The checkpoint stage's logic: commits the directories the trainer staged (fsync, manifest,
 * rename, {@code LATEST}, keep the last N), and keeps a checkpoint that is still to be evaluated
 * out of the pruning until its evaluation is published. Such a checkpoint waits to be handed over
 * to an eval stage until one takes it; one that could not be handed over (no eval stage yet, or it
 * left) waits for the next. Used by one thread at a time.
 */
public final class CheckpointCommits {
  private final Map<Path, CheckpointStore> stores = new HashMap<>();
  private final Set<Path> awaitingEval = new HashSet<>();
  /** Notices of checkpoints to evaluate that no eval stage has taken, in commit order. */
  private final Map<Path, CheckpointNotice> toHandOver = new LinkedHashMap<>();
  private final Set<Path> handingOver = new HashSet<>();

  /**
   * Commits the staged directory of {@code request}, or, without one, checks that the committed
   * checkpoint it names is still there; returns the notice to publish.
   *
   * @throws jdetr.checkpoint.CheckpointException naming the step and root when it fails
   */
  public CheckpointNotice commit(CommitRequest request) {
    CheckpointNote note = request.note();
    Path root = request.root().toAbsolutePath();
    CheckpointStore store = stores.computeIfAbsent(root, r -> new CheckpointStore(r, request.keep()));
    SavedCheckpoint saved;
    if (!request.announceAgain()) {
      Path dir = root.resolve(CheckpointStore.dirName(note.step()));
      try {
        saved = store.commit(new CheckpointStore.Staged(note.step(), request.staged()),
            step -> awaitingEval.contains(root.resolve(CheckpointStore.dirName(step))));
      } catch (RuntimeException e) {
        awaitingEval.remove(dir);
        throw e;
      }
      if (note.evaluate()) {
        awaitingEval.add(dir);
      }
    } else {
      saved = store.verify(note.step());
      if (note.evaluate()) {
        awaitingEval.add(saved.dir());
      }
    }
    CheckpointNotice notice = new CheckpointNotice(note, saved.dir());
    if (note.evaluate() && !handingOver.contains(saved.dir())) {
      toHandOver.put(saved.dir(), notice);
    }
    return notice;
  }

  /**
   * The notices of the checkpoints waiting for an eval stage, in commit order; they count as being
   * handed over until {@link #handedOver} or {@link #notHandedOver} says how that went.
   */
  public List<CheckpointNotice> handOver() {
    List<CheckpointNotice> notices = new ArrayList<>(toHandOver.values());
    handingOver.addAll(toHandOver.keySet());
    toHandOver.clear();
    return notices;
  }

  /** An eval stage took the checkpoint of {@code notice}. */
  public void handedOver(CheckpointNotice notice) {
    handingOver.remove(dir(notice));
  }

  /** No eval stage took the checkpoint of {@code notice}: it waits for the next one. */
  public void notHandedOver(CheckpointNotice notice) {
    Path dir = dir(notice);
    if (handingOver.remove(dir) && awaitingEval.contains(dir)) {
      toHandOver.put(dir, notice);
    }
  }

  /** The checkpoint in {@code dir} was evaluated: the next commit may prune it. */
  public void evaluated(Path dir) {
    Path d = dir.toAbsolutePath();
    awaitingEval.remove(d);
    toHandOver.remove(d);
  }

  private static Path dir(CheckpointNotice notice) {
    return notice.dir().toAbsolutePath();
  }

  /** Checkpoints kept for their evaluation (for tests and diagnostics). */
  public Set<Path> awaitingEval() {
    return Set.copyOf(awaitingEval);
  }
}

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
  private final Path onlyRoot;
  private final Map<Path, CheckpointStore> stores = new HashMap<>();
  private final Set<Path> awaitingEval = new HashSet<>();
  /** Notices of checkpoints to evaluate that no eval stage has taken, in commit order. */
  private final Map<Path, CheckpointNotice> toHandOver = new LinkedHashMap<>();
  private final Set<Path> handingOver = new HashSet<>();
  /** When the stage last said that no eval stage runs; 0 while one takes the checkpoints. */
  private long absentSaidAt;

  /** Commits checkpoints of any root the requests name (the one-JVM pipeline). */
  public CheckpointCommits() {
    this(null);
  }

  /**
   * Commits checkpoints of {@code onlyRoot} alone: a request naming another root is refused, so a
   * peer on the bus cannot make this stage write or prune elsewhere.
   */
  public CheckpointCommits(Path onlyRoot) {
    this.onlyRoot = onlyRoot == null ? null : onlyRoot.toAbsolutePath().normalize();
  }

  /**
   * Commits the staged directory of {@code request}, or, without one, checks that the committed
   * checkpoint it names is still there; returns the notice to publish.
   *
   * @throws jdetr.checkpoint.CheckpointException naming the step and root when it fails
   * @throws IllegalArgumentException when the request names another root than this stage's
   */
  public CheckpointNotice commit(CommitRequest request) {
    CheckpointNote note = request.note();
    Path root = request.root().toAbsolutePath();
    if (onlyRoot != null && !root.normalize().equals(onlyRoot)) {
      throw new IllegalArgumentException("checkpoint root " + root + " refused: this checkpoint stage commits"
          + " only to " + onlyRoot);
    }
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

  /**
   * What to tell the user when no eval stage is registered to take a checkpoint: a message the
   * first time, a shorter reminder every {@code reminder} after that, null in between.
   */
  public String noEvalStage(long nowNanos, java.time.Duration reminder) {
    if (absentSaidAt != 0 && nowNanos - absentSaidAt < reminder.toNanos()) {
      return null;
    }
    List<String> waiting = new ArrayList<>();
    for (Path dir : awaitingEval) {
      waiting.add(dir.getFileName().toString());
    }
    waiting.sort(null);
    String message = absentSaidAt == 0
        ? "no eval stage is running to evaluate " + String.join(", ", waiting) + ": start one with"
            + " `jdetr node --role eval --cluster CLUSTER.xml` on a node that sees "
            + (waiting.isEmpty() ? "the checkpoints" : awaitingEval.iterator().next().getParent())
            + "; it will take the waiting checkpoints (offered again every second)"
        : "still no eval stage; waiting to be evaluated: " + String.join(", ", waiting);
    absentSaidAt = nowNanos;
    return message;
  }

  /** An eval stage took {@code notice}: what to tell the user if one had been missing, else null. */
  public String evalStageBack(CheckpointNotice notice) {
    if (absentSaidAt == 0) {
      return null;
    }
    absentSaidAt = 0;
    return "an eval stage took " + notice.dir().getFileName();
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

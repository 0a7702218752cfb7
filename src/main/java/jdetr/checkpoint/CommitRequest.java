package jdetr.checkpoint;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What the trainer asks of the checkpoint stage: commit the directory it staged in a store, or,
 * without one, announce a committed checkpoint again (a resumed run asking for an evaluation
 * it did not get).
 *
 * @param note the checkpoint
 * @param root the store's root directory
 * @param keep how many checkpoints the store keeps (at least 1)
 * @param staged the staged directory to commit, or null to announce the committed one again
 */
public record CommitRequest(CheckpointNote note, Path root, int keep, Path staged) {

  public CommitRequest {
    Objects.requireNonNull(note, "note");
    Objects.requireNonNull(root, "root");
    if (keep < 1) {
      throw new IllegalArgumentException("a checkpoint store keeps at least 1 checkpoint, got " + keep);
    }
  }

  /** Whether this asks for a committed checkpoint to be announced again rather than a commit. */
  public boolean announceAgain() {
    return staged == null;
  }
}

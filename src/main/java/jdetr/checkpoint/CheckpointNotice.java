package jdetr.checkpoint;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A committed checkpoint, as the checkpoint stage tells the trainer (the reply to its
 * {@link CommitRequest}) and hands it to an eval stage.
 *
 * @param note the checkpoint
 * @param dir its committed directory ({@code <root>/step-000123})
 */
public record CheckpointNotice(CheckpointNote note, Path dir) {

  public CheckpointNotice {
    Objects.requireNonNull(note, "note");
    Objects.requireNonNull(dir, "dir");
  }
}

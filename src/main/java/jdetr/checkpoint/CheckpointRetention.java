package jdetr.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.LongPredicate;

/**
 * Which checkpoints a {@link CheckpointStore} root keeps after a commit: the one just saved, the
 * newest {@code keepLast - 1} older ones, and the older ones {@code pinned} (for example, still
 * to be evaluated), which do not count. Checkpoints newer than the one saved belong to an
 * abandoned run and go.
 */
final class CheckpointRetention {
  private CheckpointRetention() {}

  /**
   * Deletes the checkpoints of {@code steps} (ascending, as {@link CheckpointStore#steps}) that
   * are not kept after step {@code saved} was committed.
   */
  static void prune(Path root, List<Long> steps, long saved, int keepLast, LongPredicate pinned)
      throws IOException {
    List<Long> older = new ArrayList<>();
    for (long s : steps) {
      if (s > saved) {
        discard(root, s);
      } else if (s < saved && !pinned.test(s)) {
        older.add(s);
      }
    }
    for (int i = 0; i < older.size() - (keepLast - 1); i++) {
      discard(root, older.get(i));
    }
  }

  /** Renames a checkpoint out of the step namespace first, so a crash never leaves half of one. */
  private static void discard(Path root, long step) throws IOException {
    String name = CheckpointStore.dirName(step);
    Path trash = root.resolve(CheckpointLeftovers.TEMP_PREFIX + "del-" + name + "-" + UUID.randomUUID());
    Files.move(root.resolve(name), trash, StandardCopyOption.ATOMIC_MOVE);
    CheckpointLeftovers.deleteTree(trash);
  }
}

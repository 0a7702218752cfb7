package jdetr.checkpoint;

import java.nio.file.Path;

/**
 * A checkpoint could not be written or no checkpoint could be loaded. The message names the
 * directory and file concerned.
 */
public final class CheckpointException extends RuntimeException {
  /** What a full file system reports (strerror of ENOSPC). */
  private static final String NO_SPACE = "No space left on device";

  public CheckpointException(String message, Throwable cause) {
    super(message, cause);
  }

  public CheckpointException(String message) {
    super(message);
  }

  /**
   * A failed save of checkpoint {@code name} in {@code root}. A full file system is named as such
   * (ENOSPC), with the path being written when the cause names it.
   */
  static CheckpointException saveFailed(String name, Path root, Exception cause) {
    String prefix = "could not save checkpoint " + name + " in " + root + ": ";
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains(NO_SPACE)) {
        return new CheckpointException(prefix + "no space left on device (ENOSPC): " + t.getMessage()
            + "; the previous checkpoint and LATEST are unchanged", cause);
      }
    }
    return new CheckpointException(prefix + cause, cause);
  }
}

package jdetr.checkpoint;

/**
 * A checkpoint could not be written or no checkpoint could be loaded. The message names the
 * directory and file concerned.
 */
public final class CheckpointException extends RuntimeException {
  public CheckpointException(String message, Throwable cause) {
    super(message, cause);
  }

  public CheckpointException(String message) {
    super(message);
  }
}

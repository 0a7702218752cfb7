package jdetr.checkpoint;

import java.io.IOException;

/**
 * A checkpoint file was refused: it asks for something a state dict never needs (a global outside
 * the tensor-rebuilding allowlist, a disallowed pickle opcode), or its sizes disagree with the
 * archive (a storage larger than its entry, a tensor reaching past its storage, a truncated file,
 * a size beyond the configured caps). The message names the offending opcode, global, entry or
 * storage key and, for pickle refusals, the byte offset.
 */
public final class UnsafeCheckpointException extends IOException {
  private static final long serialVersionUID = 1L;

  public UnsafeCheckpointException(String message) {
    super(message);
  }

  public UnsafeCheckpointException(String message, Throwable cause) {
    super(message, cause);
  }
}

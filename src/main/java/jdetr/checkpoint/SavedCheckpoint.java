package jdetr.checkpoint;

import java.nio.file.Path;
import java.util.List;

/**
 * A verified checkpoint directory.
 *
 * @param step the training step it was saved at
 * @param dir its directory ({@code <root>/step-000123})
 * @param manifest the files it holds, with their sizes and SHA-256
 * @param rejected why newer checkpoints were passed over on load (empty when {@code LATEST} was
 *     good), one message per rejected checkpoint, for example
 *     "checksum mismatch in step-000200/model.safetensors"
 */
public record SavedCheckpoint(long step, Path dir, CheckpointManifest manifest, List<String> rejected) {

  /** The path of one of its files. */
  public Path file(String name) {
    if (manifest.file(name).isEmpty()) {
      throw new CheckpointException("checkpoint " + dir + " has no file " + name);
    }
    return dir.resolve(name);
  }
}

package jdetr.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes the files of one checkpoint (for example model.safetensors, optimizer.safetensors,
 * state.json) into a fresh directory. Only regular files at the top level are stored; the store
 * adds {@code manifest.json} itself.
 */
@FunctionalInterface
public interface CheckpointWriter {
  void writeTo(Path dir) throws IOException;
}

package jdetr.checkpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Child-JVM program for the crash test: saves checkpoints of about 2 MB one after another and
 * prints {@code saved <step>} after each, until killed.
 *
 * <p>Arguments: root directory, first step.
 */
public final class CheckpointSaveLoop {
  static final int KEEP_LAST = 3;

  static byte[] content(long step, String file, int bytes) {
    byte[] b = new byte[bytes];
    new Random(step * 1_000_003L + file.hashCode()).nextBytes(b);
    return b;
  }

  static CheckpointWriter writer(long step) {
    return dir -> {
      Files.write(dir.resolve("model.safetensors"), content(step, "model", 1 << 20));
      Files.write(dir.resolve("optimizer.safetensors"), content(step, "optimizer", 1 << 20));
      Files.writeString(dir.resolve("state.json"), "{\"step\":" + step + "}");
    };
  }

  public static void main(String[] args) {
    CheckpointStore store = new CheckpointStore(Path.of(args[0]), KEEP_LAST);
    for (long step = Long.parseLong(args[1]); ; step++) {
      store.save(step, writer(step));
      System.out.println("saved " + step);
      System.out.flush();
    }
  }
}

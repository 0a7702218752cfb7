package jdetr.checkpoint;

import java.nio.file.Path;

/**
 * Child-JVM program for the system-call kill test: saves one checkpoint of about 2 MB, staged and
 * then committed as the training pipeline does, on a thread of its own (so that a tracer's
 * per-thread system-call counts start at the save), and prints {@code saved <step>}.
 *
 * <p>Arguments: root directory, step.
 */
public final class CheckpointSaveOnce {
  public static void main(String[] args) throws Exception {
    CheckpointStore store = new CheckpointStore(Path.of(args[0]), CheckpointSaveLoop.KEEP_LAST);
    long step = Long.parseLong(args[1]);
    store.removeLeftovers();
    Thread saver = new Thread(() -> {
      CheckpointStore.Staged staged = store.stage(step, CheckpointSaveLoop.writer(step));
      store.commit(staged, s -> false);
    }, "checkpoint-saver");
    saver.start();
    saver.join();
    System.out.println("saved " + step);
  }
}

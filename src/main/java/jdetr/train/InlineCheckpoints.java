package jdetr.train;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import jdetr.checkpoint.CheckpointNote;
import jdetr.checkpoint.CheckpointStore;
import jdetr.checkpoint.CheckpointWriter;
import jdetr.checkpoint.SavedCheckpoint;

/**
 * The sequential loop's checkpoints: committed on the training thread before it goes on. The
 * trainer evaluates its own model, so only a checkpoint whose evaluation a crash lost is
 * evaluated here, by loading it into a separate model.
 */
public final class InlineCheckpoints implements CheckpointHandoff {
  private final PrintStream progress;
  private CheckpointStore store;
  private RunLog log;
  private Path last;

  public InlineCheckpoints(PrintStream progress) {
    this.progress = progress;
  }

  @Override
  public boolean evaluatesCheckpoints() {
    return false;
  }

  @Override
  public void open(CheckpointStore store, RunLog log) {
    this.store = store;
    this.log = log;
  }

  @Override
  public void save(CheckpointWriter writer, CheckpointNote note) {
    SavedCheckpoint saved = store.save(note.step(), writer);
    last = saved.dir();
    progress.println("checkpoint " + note.describe() + " saved");
  }

  @Override
  public void evaluate(CheckpointNote note) {
    Path dir = store.root().resolve(CheckpointStore.dirName(note.step()));
    try (CheckpointEvaluation evaluation = new CheckpointEvaluation()) {
      log.eval(evaluation.evaluate(dir, note.step(), note.epoch()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Path drain() {
    return last;
  }

  @Override
  public Duration evalWait() {
    return Duration.ZERO;
  }
}

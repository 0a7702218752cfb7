package jdetr.train;

import java.nio.file.Path;
import java.time.Duration;
import jdetr.checkpoint.CheckpointNote;
import jdetr.checkpoint.CheckpointStore;
import jdetr.checkpoint.CheckpointWriter;

/**
 * What the trainer does with a due checkpoint: commit it itself ({@link InlineCheckpoints}, the
 * sequential loop, which also evaluates in its own thread) or hand the written files to the
 * checkpoint stage, whose eval stage evaluates them while training goes on ({@link BusCheckpoints}).
 */
public interface CheckpointHandoff {

  /**
   * Whether saved checkpoints are evaluated elsewhere. The trainer then saves a checkpoint at
   * every evaluated epoch and leaves the evaluation to the eval stage instead of running it.
   */
  boolean evaluatesCheckpoints();

  /** Binds the run's store and log (evaluation results complete its lines). */
  void open(CheckpointStore store, RunLog log);

  /**
   * Saves the checkpoint {@code writer} writes; may return before it is committed. Saves are
   * committed in the order they are made.
   *
   * @throws jdetr.checkpoint.CheckpointException when this or an earlier save failed
   */
  void save(CheckpointWriter writer, CheckpointNote note);

  /** Asks for the evaluation of a committed checkpoint whose result a crash lost. */
  void evaluate(CheckpointNote note);

  /** Waits until every save is committed; returns the last committed checkpoint, or null. */
  Path drain();

  /** How long the end of the run waits for outstanding evaluations. */
  Duration evalWait();
}

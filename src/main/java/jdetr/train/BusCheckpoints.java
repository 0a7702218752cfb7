package jdetr.train;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import jdetr.bus.Addresses;
import jdetr.checkpoint.CheckpointException;
import jdetr.checkpoint.CheckpointNote;
import jdetr.checkpoint.CheckpointNotice;
import jdetr.checkpoint.CheckpointStore;
import jdetr.checkpoint.CheckpointWriter;
import jdetr.checkpoint.CommitRequest;
import jdetr.eval.EvalResult;

/**
 * The pipeline's checkpoints: the training thread writes the files into a staged directory of the
 * store and sends it to the checkpoint stage ({@code jdetr.checkpoint.save}), which commits it and
 * hands it to the eval stage; training goes on meanwhile. One commit is in flight at a time:
 * the next save first waits for the previous one, so commits keep their order and staged
 * directories do not pile up. Evaluation results ({@code jdetr.eval.result}) complete the log.
 *
 * <p>Request: a {@link CommitRequest} (without a staged directory: announce a committed checkpoint
 * again). Reply, and what the eval stage is handed: a {@link CheckpointNotice}.
 */
public final class BusCheckpoints implements CheckpointHandoff {
  private final Vertx vertx;
  private final Duration commitTimeout;
  private final Duration evalWait;
  private final PrintStream progress;
  private CheckpointStore store;
  private volatile RunLog log;
  private Future<CheckpointNotice> inFlight = Future.succeededFuture();
  private CheckpointNote inFlightNote;
  private Path last;

  /**
   * @param commitTimeout how long a commit may take before the run stops
   * @param evalWait how long the end of the run waits for the last evaluations
   */
  public BusCheckpoints(Vertx vertx, Duration commitTimeout, Duration evalWait, PrintStream progress) {
    this.vertx = vertx;
    this.commitTimeout = commitTimeout;
    this.evalWait = evalWait;
    this.progress = progress;
  }

  @Override
  public boolean evaluatesCheckpoints() {
    return true;
  }

  @Override
  public void open(CheckpointStore store, RunLog log) {
    this.store = store;
    this.log = log;
  }

  @Override
  public void save(CheckpointWriter writer, CheckpointNote note) {
    awaitCommit();
    CheckpointStore.Staged staged = store.stage(note.step(), writer);
    send(request(note, staged.dir()), note, " saved");
  }

  /**
   * Asks the checkpoint stage to announce the checkpoint again; if it is gone, the epoch's line is
   * written without its evaluation.
   */
  @Override
  public void evaluate(CheckpointNote note) {
    awaitCommit();
    send(request(note, null), note, " sent for evaluation again");
    try {
      awaitCommit();
    } catch (CheckpointException e) {
      try {
        log.eval(EvalResult.failed(store.root().resolve(CheckpointStore.dirName(note.step())).toString(),
            note.step(), note.epoch(), 0, e.getMessage()));
      } catch (IOException io) {
        e.addSuppressed(io);
        throw e;
      }
    }
  }

  @Override
  public Path drain() {
    awaitCommit();
    return last;
  }

  @Override
  public Duration evalWait() {
    return evalWait;
  }

  /** An evaluation published by the eval stage: completes the log when it is one of this run's. */
  public void onEvalResult(EvalResult result) {
    RunLog l = log;
    if (l == null || store == null || !Path.of(result.checkpoint()).startsWith(store.root())) {
      return;
    }
    try {
      l.eval(result);
    } catch (IOException e) {
      progress.println("warning: could not write log.jsonl: " + e);
    }
  }

  private CommitRequest request(CheckpointNote note, Path staged) {
    return new CommitRequest(note, store.root(), store.keepLast(), staged);
  }

  private void send(CommitRequest request, CheckpointNote note, String done) {
    inFlightNote = note;
    long deadline = System.nanoTime() + commitTimeout.toNanos();
    inFlight = request(request, deadline)
        .onSuccess(saved -> progress.println("checkpoint " + note.describe() + done));
  }

  /** Sends the request; while no checkpoint stage is registered yet, asks again every 100 ms. */
  private Future<CheckpointNotice> request(CommitRequest request, long deadline) {
    long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
    return vertx.eventBus().<CheckpointNotice>request(Addresses.CHECKPOINT_SAVE, request,
            new DeliveryOptions().setSendTimeout(left))
        .map(reply -> reply.body())
        .recover(e -> {
          boolean noStage = e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS;
          if (!noStage || System.nanoTime() > deadline) {
            return Future.failedFuture(e);
          }
          Promise<Void> later = Promise.promise();
          vertx.setTimer(100, t -> later.complete());
          return later.future().compose(v -> request(request, deadline));
        });
  }

  /** Waits for the commit in flight; a failed one stops the run with the checkpoint stage's reason. */
  private void awaitCommit() {
    if (inFlightNote == null) {
      return;
    }
    CheckpointNote note = inFlightNote;
    inFlightNote = null;
    try {
      CheckpointNotice saved = inFlight.toCompletionStage().toCompletableFuture()
          .get(commitTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
      last = saved.dir();
    } catch (ExecutionException e) {
      throw new CheckpointException("checkpoint " + note.describe() + " was not committed by the"
          + " checkpoint stage: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new CheckpointException("checkpoint " + note.describe() + ": no commit within "
          + commitTimeout.toSeconds() + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CheckpointException("interrupted while checkpoint " + note.describe()
          + " was being committed", e);
    }
  }
}

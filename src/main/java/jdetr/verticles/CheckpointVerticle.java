package jdetr.verticles;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import jdetr.bus.Addresses;
import jdetr.bus.EvalResult;
import jdetr.train.CheckpointCommits;

/**
 * The checkpoint stage: commits the checkpoint directories the trainer staged
 * ({@code jdetr.checkpoint.save}, request/reply), then publishes each on
 * {@code jdetr.checkpoint.saved} for the eval stage. Keeps a checkpoint that is to be evaluated
 * until its result appears on {@code jdetr.eval.result}. Deployed as one worker instance, so
 * commits run one at a time, in order, off the trainer's thread. Logic: {@link CheckpointCommits}.
 */
public final class CheckpointVerticle extends VerticleBase {
  /** Failure code of a checkpoint that could not be committed. */
  public static final int COMMIT_FAILED = 500;

  private final CheckpointCommits commits = new CheckpointCommits();

  @Override
  public Future<?> start() {
    return Future.all(
        vertx.eventBus().<JsonObject>consumer(Addresses.CHECKPOINT_SAVE, this::commit).completion(),
        vertx.eventBus().<EvalResult>consumer(Addresses.EVAL_RESULT,
            m -> commits.evaluated(m.body().checkpoint())).completion());
  }

  private void commit(Message<JsonObject> message) {
    JsonObject saved;
    try {
      saved = commits.commit(message.body());
    } catch (RuntimeException e) {
      message.fail(COMMIT_FAILED, e.getMessage());
      return;
    }
    message.reply(saved);
    vertx.eventBus().publish(Addresses.CHECKPOINT_SAVED, saved);
  }
}

package jdetr.verticles;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import jdetr.bus.Addresses;
import jdetr.checkpoint.CheckpointNotice;
import jdetr.checkpoint.CommitRequest;
import jdetr.eval.EvalResult;
import jdetr.train.CheckpointCommits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoint stage: commits the checkpoint directories the trainer staged
 * ({@code jdetr.checkpoint.save}, request/reply), then hands each one to be evaluated to one eval
 * stage ({@code jdetr.checkpoint.evaluate}). One that no eval stage took is offered again every
 * second, so an eval node may join late. Keeps a checkpoint that is to be evaluated until its
 * result appears on {@code jdetr.eval.result}. Deployed with a recipe, it commits only to that run's
 * checkpoints directory. Deployed as one worker instance, so commits run one
 * at a time, in order, off the trainer's thread. Logic: {@link CheckpointCommits}.
 */
public final class CheckpointVerticle extends VerticleBase {
  /** Failure code of a checkpoint that could not be committed. */
  public static final int COMMIT_FAILED = 500;

  /** How long a checkpoint no eval stage took waits before it is offered again. */
  private static final long HAND_OVER_RETRY_MS = 1000;

  /** How often the stage reminds that no eval stage takes the waiting checkpoints. */
  private static final Duration NO_EVAL_STAGE_REMINDER = Duration.ofSeconds(60);
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointVerticle.class);

  private CheckpointCommits commits;
  private boolean retryScheduled;

  @Override
  public Future<?> start() {
    commits = new CheckpointCommits(onlyRoot(config()));
    return Future.all(
        vertx.eventBus().<CommitRequest>consumer(Addresses.CHECKPOINT_SAVE, this::commit).completion(),
        vertx.eventBus().<EvalResult>consumer(Addresses.EVAL_RESULT,
            m -> commits.evaluated(Path.of(m.body().checkpoint()))).completion());
  }

  /**
   * The root this stage commits to: the checkpoints directory of the run it was deployed with
   * (a trainer node gives every stage its recipe), or, without a recipe, any root (one JVM).
   */
  static Path onlyRoot(JsonObject config) {
    JsonObject recipe = config.getJsonObject("recipe");
    String out = recipe == null ? null : recipe.getString("output_dir");
    return out == null ? null : Path.of(out).resolve("checkpoints");
  }

  private void commit(Message<CommitRequest> message) {
    CheckpointNotice saved;
    try {
      saved = commits.commit(message.body());
    } catch (RuntimeException e) {
      message.fail(COMMIT_FAILED, e.getMessage());
      return;
    }
    message.reply(saved);
    handOver();
  }

  private void handOver() {
    for (CheckpointNotice notice : commits.handOver()) {
      vertx.eventBus().request(Addresses.CHECKPOINT_EVALUATE, notice)
          .onSuccess(taken -> {
            commits.handedOver(notice);
            String back = commits.evalStageBack(notice);
            if (back != null) {
              LOG.info(back);
            }
          })
          .onFailure(e -> {
            commits.notHandedOver(notice);
            if (e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS) {
              String absent = commits.noEvalStage(System.nanoTime(), NO_EVAL_STAGE_REMINDER);
              if (absent != null) {
                LOG.warn(absent);
              }
            }
            if (!retryScheduled) {
              retryScheduled = true;
              vertx.setTimer(HAND_OVER_RETRY_MS, t -> {
                retryScheduled = false;
                handOver();
              });
            }
          });
    }
  }
}

package jdetr.verticles;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.LinkedBlockingQueue;
import jdetr.bus.Addresses;
import jdetr.checkpoint.CheckpointNote;
import jdetr.checkpoint.CheckpointNotice;
import jdetr.engine.DeviceSpec;
import jdetr.engine.IntraOpThreads;
import jdetr.engine.Precision;
import jdetr.engine.TorchWork;
import jdetr.eval.EvalResult;
import jdetr.train.CheckpointEvaluation;
import jdetr.train.TrainConfig;

/**
 * The eval stage: for each checkpoint the checkpoint stage hands it on
 * {@code jdetr.checkpoint.evaluate}, loads it into its own model on its own platform thread and
 * runs COCO evaluation on the val split of the checkpoint's recipe while training goes on, then
 * publishes the result on {@code jdetr.eval.result}. Checkpoints are evaluated in the order they
 * were handed over; those committed before it started reach it too. Several eval stages share the
 * work: each checkpoint goes to one of them. Logic: {@link CheckpointEvaluation}.
 */
public final class EvalVerticle extends VerticleBase {
  /**
   * Config key, true when the stage runs in the trainer's JVM: it then evaluates on one intra-op
   * thread, so the trainer's OpenMP team keeps spinning between its parallel regions
   * ({@link IntraOpThreads}).
   */
  public static final String BESIDE_TRAINER = "beside_trainer";
  /** Failure code of a checkpoint offered while the stage stops. */
  public static final int STOPPING = 503;
  /** Wakes the thread when it is asked to stop. */
  private static final CheckpointNotice STOP =
      new CheckpointNotice(new CheckpointNote(-1, -1, 0, 0, false, false), Path.of(""));
  private final BlockingQueue<CheckpointNotice> queue = new LinkedBlockingQueue<>();
  private volatile boolean stopping;
  private Thread owner;
  private boolean besideTrainer;

  @Override
  public Future<?> start() {
    besideTrainer = config().getBoolean(BESIDE_TRAINER, false);
    owner = new Thread(this::evaluateAll, "jdetr-eval");
    owner.setDaemon(true);
    owner.start();
    return vertx.eventBus().<CheckpointNotice>consumer(Addresses.CHECKPOINT_EVALUATE, m -> {
      if (stopping) {
        m.fail(STOPPING, "eval stage stopping"); // the checkpoint stage offers it to another
        return;
      }
      queue.add(m.body());
      m.reply(null);
    }).completion();
  }

  /** The device of the run's recipe when this node has one, else the CPU. */
  private DeviceSpec device() {
    JsonObject recipe = config().getJsonObject("recipe");
    return recipe == null ? DeviceSpec.CPU : TrainConfig.fromStored(recipe.encode()).device();
  }

  /**
   * The owner thread. Asked to stop (undeploy, or the JVM's exit through {@link TorchWork}), it
   * cuts a running evaluation before its next batch and publishes nothing for it: the epoch's
   * line then waits for a resumed run, which asks for that evaluation again.
   */
  private void evaluateAll() {
    try (TorchWork.Scope work = TorchWork.enter("evaluation", reason -> requestStop());
        CheckpointEvaluation evaluation = new CheckpointEvaluation(() -> stopping, device(),
            Precision.FP32)) {
      IntraOpThreads.use(besideTrainer ? 1 : IntraOpThreads.processDefault());
      while (true) {
        CheckpointNotice saved = queue.take();
        if (stopping) {
          return;
        }
        CheckpointNote note = saved.note();
        EvalResult result;
        try {
          result = evaluation.evaluate(saved.dir(), note.step(), note.epoch());
        } catch (CancellationException e) {
          return;
        } catch (RuntimeException e) {
          result = EvalResult.failed(saved.dir().toString(), note.step(), note.epoch(), 0, e.toString());
        }
        vertx.eventBus().publish(Addresses.EVAL_RESULT, result);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void requestStop() {
    stopping = true;
    queue.add(STOP);
  }

  @Override
  public Future<?> stop() {
    requestStop();
    return OwnerThread.ended(owner, TorchWork.EXIT_WAIT, "jdetr-eval-join");
  }
}

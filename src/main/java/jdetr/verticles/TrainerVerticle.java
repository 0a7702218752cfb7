package jdetr.verticles;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import jdetr.bus.Addresses;
import jdetr.bus.CreditedRequester;
import jdetr.bus.MatchReply;
import jdetr.bus.MatchRequest;
import jdetr.matcher.HungarianMatchSolver;
import jdetr.matcher.MatcherConfig;
import jdetr.bus.EvalResult;
import jdetr.train.BusBatchSource;
import jdetr.train.BusCheckpoints;
import jdetr.train.BusMatchingSource;
import jdetr.train.TrainConfig;
import jdetr.train.Trainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer stage: one dedicated platform thread owns the model and runs {@link Trainer}, asking
 * the data stage for batches (2 in flight) and the matcher stages for matchings (credits from the
 * config, local matching when none answers). It publishes every step's metrics on
 * {@code jdetr.train.metrics}, hands due checkpoints to the checkpoint stage
 * ({@link BusCheckpoints}; {@code checkpointTimeoutSeconds}) and completes the run's log with the
 * eval stage's results (waiting up to {@code evalWaitSeconds} for the last one at the end).
 * Publishes {@code {event: finished|failed}} on {@code jdetr.pipeline.events} when the run ends.
 */
public final class TrainerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(TrainerVerticle.class);

  private Thread owner;

  @Override
  public Future<?> start() {
    JsonObject recipe = config().getJsonObject("recipe");
    if (recipe == null) {
      return Future.failedFuture(new IllegalArgumentException(
          "TrainerVerticle config has no 'recipe' (jdetr train passes the run's recipe)"));
    }
    TrainConfig c;
    try {
      c = TrainConfig.fromStored(recipe.encode());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    boolean resume = config().getBoolean("resume", false);
    Duration timeout = Duration.ofSeconds(config().getLong("timeoutSeconds", 120L));
    CreditedRequester<JsonObject, Buffer> batches = new CreditedRequester<>(context,
        Addresses.DATA_BATCH, new CreditedRequester.Policy(2, timeout, 3, Duration.ofMillis(100)),
        null);
    HungarianMatchSolver local = new HungarianMatchSolver();
    CreditedRequester<MatchRequest, MatchReply> matches = new CreditedRequester<>(context,
        Addresses.MATCH, new CreditedRequester.Policy(config().getInteger("matchCredits", 16),
        timeout, 3, Duration.ofMillis(100)), local::solve);
    BusCheckpoints checkpoints = new BusCheckpoints(vertx,
        Duration.ofSeconds(config().getLong("checkpointTimeoutSeconds", 600L)),
        Duration.ofSeconds(config().getLong("evalWaitSeconds", 3600L)), System.out);
    owner = new Thread(() -> {
      JsonObject event;
      try {
        Trainer.Result r = new Trainer(c, System.out)
            .withSources(new BusBatchSource(batches), new BusMatchingSource(matches,
                MatcherConfig.defaults(c.model().classLoss())))
            .withStages(checkpoints, m -> vertx.eventBus().publish(Addresses.TRAIN_METRICS, m))
            .run(resume);
        event = new JsonObject().put("event", "finished").put("epochs", r.epochs())
            .put("steps", r.steps()).put("checkpoint", String.valueOf(r.checkpoint()));
      } catch (Exception | Error e) {
        LOG.error("training failed", e);
        event = new JsonObject().put("event", "failed")
            .put("message", e.getMessage() != null ? e.getMessage() : e.toString());
      }
      vertx.eventBus().publish(Addresses.PIPELINE_EVENTS, event);
    }, "jdetr-trainer");
    return vertx.eventBus().<EvalResult>consumer(Addresses.EVAL_RESULT,
            m -> checkpoints.onEvalResult(m.body()))
        .completion()
        .onSuccess(v -> owner.start());
  }

  @Override
  public Future<?> stop() {
    if (owner != null) {
      owner.interrupt();
    }
    return Future.succeededFuture();
  }

}

package jdetr.verticles;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import jdetr.bus.Addresses;
import jdetr.bus.CreditedRequester;
import jdetr.data.BatchCodec;
import jdetr.data.CocoDataset;
import jdetr.data.CocoPaths;
import jdetr.data.transforms.TrainTransform;
import jdetr.engine.StepMetrics;
import jdetr.engine.TorchWork;
import jdetr.eval.EvalResult;
import jdetr.matcher.HungarianMatchSolver;
import jdetr.matcher.MatchReply;
import jdetr.matcher.MatchRequest;
import jdetr.train.BusBatchSource;
import jdetr.train.BusCheckpoints;
import jdetr.train.BusMatchingSource;
import jdetr.train.RecipeFingerprint;
import jdetr.train.TrainConfig;
import jdetr.train.TrainData;
import jdetr.train.Trainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer stage: one dedicated platform thread owns the model and runs {@link Trainer}, asking
 * the data stages for batches and the matcher stages for matchings through credited requesters
 * (config: {@code batchCredits}, {@code matchCredits}, {@code timeoutSeconds}, {@code attempts}).
 * A request no stage answers is computed on this node: the batch from the recipe's own dataset,
 * the matching by the local solver. Batch requests carry the {@link RecipeFingerprint}, so a data
 * node started with another recipe refuses them.
 *
 * <p>It publishes every step's metrics on {@code jdetr.train.metrics}, hands due checkpoints to
 * the checkpoint stage ({@link BusCheckpoints}; {@code checkpointTimeoutSeconds}) and completes the
 * run's log with the eval stage's results (waiting up to {@code evalWaitSeconds} for the last one
 * at the end). On this node only, it publishes on {@code jdetr.pipeline.events} one
 * {@code {event: step, step, epoch, loss, batches_by, matched_by, …}} per step (answered requests
 * counted by responding process, {@code local} for those computed here) and
 * {@code {event: finished|stopped|failed, …}} when the run ends.
 *
 * <p>Stopping the stage (undeploy, or the JVM's exit through {@link TorchWork}) asks the trainer to
 * stop before its next step; the stop completes once the owner thread has ended (waiting at most
 * {@link TorchWork#EXIT_WAIT}), never interrupting it inside libtorch.
 */
public final class TrainerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(TrainerVerticle.class);
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private Thread owner;
  private volatile Trainer trainer;
  private volatile String stopReason;

  @Override
  public Future<?> start() {
    JsonObject recipe = config().getJsonObject("recipe");
    if (recipe == null) {
      return Future.failedFuture(new IllegalArgumentException("TrainerVerticle config has no"
          + " 'recipe' (jdetr train passes the run's recipe; jdetr node --role trainer needs a"
          + " RECIPE argument)"));
    }
    TrainConfig c;
    try {
      c = TrainConfig.fromStored(recipe.encode());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    boolean resume = config().getBoolean("resume", false);
    Duration timeout = Duration.ofSeconds(config().getLong("timeoutSeconds", 120L));
    int attempts = config().getInteger("attempts", 3);
    CreditedRequester.Policy batchPolicy = new CreditedRequester.Policy(
        config().getInteger("batchCredits", 2), timeout, attempts, Duration.ofMillis(100));
    CreditedRequester.Policy matchPolicy = new CreditedRequester.Policy(
        config().getInteger("matchCredits", 16), timeout, attempts, Duration.ofMillis(100));
    BusCheckpoints checkpoints = new BusCheckpoints(vertx,
        Duration.ofSeconds(config().getLong("checkpointTimeoutSeconds", 600L)),
        Duration.ofSeconds(config().getLong("evalWaitSeconds", 600L)), System.out);
    Context ctx = context;
    owner = new Thread(() -> vertx.eventBus().publish(Addresses.PIPELINE_EVENTS,
        run(c, resume, ctx, batchPolicy, matchPolicy, checkpoints), LOCAL), "jdetr-trainer");
    return vertx.eventBus().<EvalResult>consumer(Addresses.EVAL_RESULT,
            m -> checkpoints.onEvalResult(m.body()))
        .completion()
        .onSuccess(v -> owner.start());
  }

  /** The whole run, on the owner thread; returns the end event. */
  private JsonObject run(TrainConfig c, boolean resume, Context ctx,
      CreditedRequester.Policy batchPolicy, CreditedRequester.Policy matchPolicy,
      BusCheckpoints checkpoints) {
    CreditedRequester<JsonObject, Buffer> batches = null;
    CreditedRequester<MatchRequest, MatchReply> matches = null;
    try {
      CocoPaths[] splits = TrainData.openOrGenerate(c.data());
      String fingerprint = RecipeFingerprint.of(c, splits[0]);
      OwnBatches own = new OwnBatches(c, splits[0]);
      batches = new CreditedRequester<>(ctx, Addresses.DATA_BATCH, batchPolicy, own::encoded);
      HungarianMatchSolver solver = new HungarianMatchSolver();
      matches = new CreditedRequester<>(ctx, Addresses.MATCH, matchPolicy, solver::solve);
      CreditedRequester<JsonObject, Buffer> b = batches;
      CreditedRequester<MatchRequest, MatchReply> m = matches;
      LOG.info("trainer {}: recipe {}, batches from {} and matchings from {} (local when none answers)",
          c.outputDir(), RecipeFingerprint.shortForm(fingerprint), b, m);
      Trainer t = new Trainer(c, System.out)
          .withSources(new BusBatchSource(b, fingerprint), costs -> new BusMatchingSource(m, costs))
          .withStages(checkpoints, metrics -> {
            vertx.eventBus().publish(Addresses.TRAIN_METRICS, metrics);
            vertx.eventBus().publish(Addresses.PIPELINE_EVENTS, stepEvent(metrics, b.stats(), m.stats()),
                LOCAL);
          });
      trainer = t;
      if (stopReason != null) {
        t.stop(stopReason);
      }
      Trainer.Result r = t.run(resume);
      JsonObject end = requesterCounts(new JsonObject()
          .put("event", r.stoppedBy() == null ? "finished" : "stopped")
          .put("epochs", r.epochs()).put("steps", r.steps())
          .put("checkpoint", String.valueOf(r.checkpoint())), b.stats(), m.stats());
      if (r.stoppedBy() != null) {
        end.put("stoppedBy", r.stoppedBy()).put("exitCode", TorchWork.exitStatus());
      }
      LOG.info("training {}: {}", end.getString("event"), end.encode());
      return end;
    } catch (Exception | Error e) {
      LOG.error("training failed", e);
      JsonObject failed = new JsonObject().put("event", "failed")
          .put("message", e.getMessage() != null ? e.getMessage() : e.toString());
      return matches == null ? failed : requesterCounts(failed, batches.stats(), matches.stats());
    } finally {
      if (batches != null) {
        batches.close();
      }
      if (matches != null) {
        matches.close();
      }
    }
  }

  private static JsonObject stepEvent(StepMetrics metrics, CreditedRequester.Stats batches,
      CreditedRequester.Stats matches) {
    return requesterCounts(new JsonObject().put("event", "step").put("epoch", metrics.epoch())
        .put("step", metrics.step()).put("loss", metrics.value("loss")), batches, matches);
  }

  private static JsonObject requesterCounts(JsonObject event, CreditedRequester.Stats batches,
      CreditedRequester.Stats matches) {
    return event
        .put("batches_by", new JsonObject(new LinkedHashMap<>(batches.responders())))
        .put("batch_retries", batches.retries())
        .put("batch_fallbacks", batches.fallbacks())
        .put("matched_by", new JsonObject(new LinkedHashMap<>(matches.responders())))
        .put("match_retries", matches.retries())
        .put("match_fallbacks", matches.fallbacks());
  }

  /** Batches prepared on this node when no data stage answers; the split is read on first use. */
  private static final class OwnBatches {
    private final TrainConfig config;
    private final CocoPaths train;
    private TrainData data;

    OwnBatches(TrainConfig config, CocoPaths train) {
      this.config = config;
      this.train = train;
    }

    synchronized Buffer encoded(JsonObject request) throws IOException {
      if (data == null) {
        data = new TrainData(CocoDataset.open(train).withMasks(config.model().masks()),
            new TrainTransform(config.augmentation()),
            config.batchSize(), config.seed());
      }
      return Buffer.buffer(BatchCodec.encode(data.batch(request.getInteger("epoch"),
          request.getInteger("step"))));
    }
  }

  @Override
  public Future<?> stop() {
    if (owner == null || !owner.isAlive()) {
      return Future.succeededFuture();
    }
    String reason = TorchWork.exitReason();
    stopReason = reason != null ? reason : "the trainer stage's undeploy";
    Trainer t = trainer;
    if (t != null) {
      t.stop(stopReason);
    }
    return OwnerThread.ended(owner, TorchWork.EXIT_WAIT, "jdetr-trainer-join").onSuccess(v -> {
      if (owner.isAlive()) {
        LOG.warn("the trainer thread is still running {} s after the stop", TorchWork.EXIT_WAIT.toSeconds());
      }
    });
  }
}

package jdetr.train;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Function;
import jdetr.checkpoint.CheckpointException;
import jdetr.checkpoint.CheckpointNote;
import jdetr.checkpoint.CheckpointStore;
import jdetr.checkpoint.CheckpointWriter;
import jdetr.checkpoint.SavedCheckpoint;
import jdetr.data.CocoDataset;
import jdetr.data.CocoPaths;
import jdetr.data.transforms.TrainTransform;
import jdetr.data.transforms.ValTransform;
import jdetr.engine.AdamW;
import jdetr.engine.IntraOpThreads;
import jdetr.engine.MatchingSource;
import jdetr.engine.ParameterGroups;
import jdetr.engine.StepLR;
import jdetr.engine.StepMetrics;
import jdetr.engine.TorchWork;
import jdetr.engine.TrainStep;
import jdetr.engine.TrainableParameters;
import jdetr.matcher.MatcherConfig;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrConfig;

/**
 * The training loop (the reference's {@code main.py}), run on the calling thread, which owns the
 * model, in the reference's parts: set-up ({@link TrainAssembly}: model, criterion, matcher,
 * AdamW, StepLR; data, val evaluation, checkpoint store), resume, then per epoch the shuffled
 * batches of the train split through {@link TrainOneEpoch} (the next batch is prepared while a
 * step runs, each step reseeds libtorch's generator from (seed, step)), each step logged to
 * {@code steps.jsonl} and the step listener; a checkpoint every
 * {@code checkpoint_every_steps} steps; at the epoch's end StepLR, the train averages, COCO
 * evaluation of the val split and an epoch checkpoint. Where checkpoints and evaluations happen
 * is the {@link CheckpointHandoff}'s business: inline (the sequential loop) or in the checkpoint
 * and eval stages while training goes on. {@link RunLog} writes each epoch's {@code log.jsonl}
 * line once its evaluation is known. A resumed run continues at the step after its checkpoint.
 *
 * <p>{@link #stop} (from any thread; the JVM's exit asks it through {@link TorchWork}) ends the run
 * before its next step, or between batches of an evaluation of the live model: no extra
 * checkpoint is written, the run prints which committed checkpoint {@code --resume} continues from.
 */
public final class Trainer {

  private final TrainConfig config;
  private final PrintStream progress;
  private BatchSource batches;
  private Function<MatcherConfig, MatchingSource> matching;
  private CheckpointHandoff checkpoints;
  private Consumer<StepMetrics> steps;
  private volatile String stopReason;

  public Trainer(TrainConfig config, PrintStream progress) {
    this.config = config;
    this.progress = progress;
    this.checkpoints = new InlineCheckpoints(progress);
    this.steps = new TrainProgress(TrainProgress.Mode.LINES, progress, 10);
  }

  /**
   * Takes batches and matchings from the given sources (the data and matcher stages) instead of
   * the local loader thread and the local matcher; {@code matching} gets the run's matcher costs.
   */
  public Trainer withSources(BatchSource batches,
      Function<MatcherConfig, MatchingSource> matching) {
    this.batches = batches;
    this.matching = matching;
    return this;
  }

  /** Hands checkpoints to {@code checkpoints} (default: inline) and step metrics to {@code steps}. */
  public Trainer withStages(CheckpointHandoff checkpoints, Consumer<StepMetrics> steps) {
    this.checkpoints = checkpoints;
    this.steps = steps;
    return this;
  }

  /**
   * What a run reports: on a stopped run, {@code stoppedBy} is the reason, {@code epochs} and
   * {@code steps} are those done and {@code checkpoint} the newest committed one (or null).
   */
  public record Result(int epochs, long steps, Map<String, Object> lastLog, Path checkpoint,
      String stoppedBy) {}

  /**
   * Asks the run to stop before its next step, {@code reason} ("SIGTERM") naming why in its last
   * line; the steps since the newest checkpoint are not saved.
   */
  public void stop(String reason) {
    if (stopReason == null) {
      stopReason = reason;
    }
  }

  /** Runs the training, on the calling thread, until its last epoch or {@link #stop}. */
  public Result run(boolean resume) throws IOException {
    try (TorchWork.Scope work = TorchWork.enter("training", this::stop)) {
      IntraOpThreads.useProcessDefault();
      return train(resume);
    }
  }

  /**
   * What the run works with, built once before its first epoch: the assembly (model, criterion,
   * matcher, AdamW, StepLR), the step, the train batches (null when they come from the data
   * stages), the val evaluation (null when the eval stage evaluates checkpoints), the checkpoint
   * store and the dataset's category names.
   */
  private record Setup(TrainAssembly parts, TrainStep trainStep, TrainData data,
      int stepsPerEpoch, ValEvaluation val, CheckpointStore store,
      TreeMap<Integer, String> categories, long nParameters, NDManager manager) {}

  /** Where the first epoch starts, and what a resumed run carries over. */
  private record Start(TrainPosition position, EpochMeter epochSoFar, List<RunLog.Unlogged> unlogged) {
    static final Start FRESH = new Start(TrainPosition.START, null, List.of());
  }

  private Result train(boolean resume) throws IOException {
    CocoPaths[] splits = TrainData.openOrGenerate(config.data());
    CocoDataset train = CocoDataset.open(splits[0]).withMasks(config.model().masks());
    DetrConfig recipeModel = config.modelFor(train.numClasses());
    Files.createDirectories(config.outputDir());
    ExecutorService loader = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "jdetr-batches");
      t.setDaemon(true);
      return t;
    });
    try (NDManager manager = config.device().newManager()) {
      Setup run = setUp(train, recipeModel, splits[1], manager);
      Start start = resume ? resume(run) : Start.FRESH;
      TrainPosition position = start.position();
      RunLog log = RunLog.open(config.outputDir(), position.epoch(), run.nParameters(), progress);
      checkpoints.open(run.store(), log);
      int perEpoch = config.maxStepsPerEpoch() > 0
          ? Math.min(config.maxStepsPerEpoch(), run.stepsPerEpoch()) : run.stepsPerEpoch();
      for (RunLog.Unlogged u : start.unlogged()) {
        if (u.epoch() < position.epoch() && !log.has(u.epoch())) {
          log.restore(u);
          if (u.evaluate()) {
            checkpoints.evaluate(new CheckpointNote(u.step(), u.epoch(), perEpoch, perEpoch, true, true));
          }
        }
      }
      DetrConfig model = run.parts().detr().config();
      progress.printf("training %s %s: %d train / %d val images, %d classes, %d parameters, "
              + "%d steps per epoch%n", model.architecture().jsonName(), model.backbone(),
          train.size(), CocoDataset.open(splits[1]).size(), model.numClasses(), run.nParameters(),
          perEpoch);

      BatchSource source = batches != null ? batches
          : (e, s) -> CompletableFuture.supplyAsync(() -> run.data().batch(e, s), loader);
      TrainOneEpoch epochs = new TrainOneEpoch(run.trainStep(), source, config.seed(), () -> 0L);
      long step = position.step();
      try (StepLines stepLines = StepLines.open(config.outputDir(), step)) {
        for (int epoch = position.epoch(); epoch < config.epochs(); epoch++) {
          boolean resumedEpoch = epoch == position.epoch() && position.midEpoch();
          EpochMeter meter = resumedEpoch && start.epochSoFar() != null ? start.epochSoFar()
              : new EpochMeter();
          int first = epoch == position.epoch() ? Math.min(position.epochStep(), perEpoch) : 0;
          long started = System.nanoTime();
          try {
            step = epochs.run(epoch, first, perEpoch, step, () -> stopReason != null,
                t -> afterStep(t, perEpoch, meter, stepLines, run, log));
          } catch (UncheckedIOException stepLineFailed) {
            throw stepLineFailed.getCause();
          }
          if (stopReason != null) {
            return stopped(epoch, step, run.store(), log);
          }
          if (!endEpoch(epoch, step, perEpoch, meter, started, run, log)) {
            return stopped(epoch, step, run.store(), log);
          }
        }
      }
      Path lastCheckpoint = checkpoints.drain();
      if (!log.finish(checkpoints.evalWait(), () -> stopReason != null)) {
        return stopped(config.epochs(), step, run.store(), log);
      }
      predictions(config.outputDir(), run.parts().detr(), run.categories());
      run.parts().optimizer().close();
      return new Result(config.epochs(), step, log.lastLine(), lastCheckpoint, null);
    } finally {
      loader.shutdownNow();
    }
  }

  /** The run's parts (the reference's {@code main.py} before its loop). */
  private Setup setUp(CocoDataset train, DetrConfig recipeModel, CocoPaths val,
      NDManager manager) throws IOException {
    TrainAssembly parts = TrainAssembly.build(config, recipeModel, manager, progress);
    TrainStep trainStep = parts.trainStep(
        matching != null ? matching.apply(parts.matcher()) : parts.localMatching());
    int stepsPerEpoch = TrainData.stepsPerEpoch(train, config.batchSize());
    TrainData data = batches != null ? null : new TrainData(train,
        new TrainTransform(config.augmentation()), config.batchSize(), config.seed());
    ValEvaluation evaluation = checkpoints.evaluatesCheckpoints() ? null
        : new ValEvaluation(val, new ValTransform(config.augmentation()), config.batchSize());
    CheckpointStore store = new CheckpointStore(config.outputDir().resolve("checkpoints"),
        config.keepCheckpoints());
    store.removeLeftovers();
    return new Setup(parts, trainStep, data, stepsPerEpoch, evaluation, store,
        new TreeMap<>(train.categoryNames()), TrainableParameters.count(parts.detr()), manager);
  }

  /** The newest good checkpoint restored into the run (the reference's {@code --resume}). */
  private Start resume(Setup run) throws IOException {
    TrainAssembly parts = run.parts();
    Optional<TrainCheckpoint.Resumed> r = TrainCheckpoint.restore(run.store(), parts.detr(),
        parts.optimizer(), parts.scheduler(), run.manager());
    if (r.isEmpty()) {
      progress.println("no checkpoint in " + run.store().root() + ": starting from scratch");
      return Start.FRESH;
    }
    TrainPosition position = r.get().position();
    r.get().rejected().forEach(m -> progress.println("checkpoint rejected: " + m));
    progress.printf("resumed from %s: %d epochs done, step %d%s%n", r.get().dir(),
        position.epochsDone(), position.step(), position.midEpoch() ? " (continuing epoch "
            + position.epoch() + " at its step " + position.epochStep() + ")" : "");
    if (r.get().savedSeed() != config.seed()) {
      progress.printf("warning: the checkpoint was trained with seed %d, this recipe has %d:"
          + " the data order and augmentation change from here on%n", r.get().savedSeed(),
          config.seed());
    }
    honourNewRates(r.get().savedConfig(), parts.optimizer(), parts.scheduler());
    return new Start(position, r.get().epochSoFar(), r.get().unlogged());
  }

  /** A step's bookkeeping: epoch meter, step line, listener, and a step checkpoint when due. */
  private void afterStep(TimedStep t, int perEpoch, EpochMeter meter, StepLines stepLines,
      Setup run, RunLog log) {
    meter.add(t.log());
    StepMetrics m = new StepMetrics(t.step(), t.epoch(), t.epochStep() + 1, perEpoch,
        t.trainNs() / 1e9, t.log().values());
    try {
      stepLines.append(m);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    steps.accept(m);
    long done = t.step() + 1;
    if (stepCheckpointDue(done) && t.epochStep() + 1 < perEpoch) {
      TrainPosition at = new TrainPosition(t.epoch(), t.epochStep() + 1, done);
      checkpoints.save(writer(run, new TrainCheckpoint.RunState(at, meter, log.unlogged(),
              t.log().values())),
          new CheckpointNote(done, t.epoch(), t.epochStep() + 1, perEpoch, false, false));
    }
  }

  /**
   * The end of an epoch: StepLR, the train averages, the val evaluation when due (inline, or
   * handed to the eval stage with the checkpoint) and the epoch checkpoint.
   *
   * @return false when the run was stopped during the evaluation
   */
  private boolean endEpoch(int epoch, long step, int perEpoch, EpochMeter meter, long started,
      Setup run, RunLog log) throws IOException {
    run.parts().scheduler().step();
    boolean last = epoch + 1 == config.epochs();
    boolean evaluate = (epoch + 1) % config.evalEvery() == 0 || last;
    boolean staged = evaluate && checkpoints.evaluatesCheckpoints();
    Map<String, Double> averages = meter.averages();
    log.train(epoch, step, averages, evaluate);
    if (evaluate && !checkpoints.evaluatesCheckpoints()) {
      long t0 = System.nanoTime();
      ValEvaluation.Stats stats;
      try {
        stats = run.val().run(run.parts().detr(), () -> stopReason != null);
      } catch (CancellationException stoppedDuringEval) {
        return false;
      }
      log.eval(stats.result(run.store().root().resolve(CheckpointStore.dirName(step)).toString(),
          step, epoch, (System.nanoTime() - t0) / 1e9));
    }
    progress.printf("epoch %d done in %.1f s: loss %.4f%n", epoch,
        (System.nanoTime() - started) / 1e9, averages.getOrDefault("loss", Double.NaN));
    if ((epoch + 1) % config.checkpointEvery() == 0 || last || staged || stepCheckpointDue(step)) {
      Map<String, Object> metrics = new LinkedHashMap<>();
      averages.forEach((k, v) -> metrics.put("train_" + k, v));
      checkpoints.save(writer(run, new TrainCheckpoint.RunState(
              new TrainPosition(epoch + 1, 0, step), null, log.unlogged(), metrics)),
          new CheckpointNote(step, epoch, perEpoch, perEpoch, true, staged));
    }
    return true;
  }

  private CheckpointWriter writer(Setup run, TrainCheckpoint.RunState state) {
    TrainAssembly parts = run.parts();
    return TrainCheckpoint.writer(parts.detr(), parts.optimizer(), parts.scheduler(), state,
        parts.config(), run.categories(), run.manager());
  }

  /**
   * The end of a stopped run: waits for the commit in flight, then names the newest checkpoint
   * that verifies (the one {@code --resume} continues from).
   */
  private Result stopped(int epochsDone, long step, CheckpointStore store, RunLog log) {
    String saveFailed = "";
    try {
      checkpoints.drain();
    } catch (CheckpointException e) {
      saveFailed = " (the last save failed: " + e.getMessage() + ")";
    }
    Path newest = null;
    String where;
    try {
      newest = store.loadLatest().map(SavedCheckpoint::dir).orElse(null);
      where = newest != null ? "the newest checkpoint is " + newest + "; continue with --resume"
          : "there is no checkpoint yet (--resume starts from scratch)";
    } catch (CheckpointException e) {
      where = "no checkpoint verifies: " + e.getMessage();
    }
    progress.printf("stopped by %s after step %d; %s%s%n", stopReason, step, where, saveFailed);
    return new Result(epochsDone, step, log.lastLine(), newest, stopReason);
  }

  private boolean stepCheckpointDue(long step) {
    return config.checkpointEverySteps() > 0 && step % config.checkpointEverySteps() == 0;
  }

  /** Draws the final model's detections on a few val images (a failure is only reported). */
  private void predictions(Path out, DetectionTransformer finalModel,
      TreeMap<Integer, String> categories) {
    try {
      CocoDataset val = CocoDataset.open(TrainData.openOrGenerate(
          new DataRecipe(config.dataRoot(), config.data().format(), null))[1]);
      RunFigures.predictions(finalModel, categories, new ValTransform(config.augmentation()), val,
          4, RunFigures.PICTURE_SCORE, out.resolve("predictions"));
    } catch (IOException | RuntimeException e) {
      progress.println("warning: could not draw the run's figures: " + e);
    }
  }

  /**
   * A learning rate or StepLR step size changed since the checkpoint (given at resume) sets the
   * rates the new schedule gives after the epochs done: base rate × 0.1^(epochs done / lr_drop)
   * (Deformable DETR's {@code --override_resumed_lr_drop}; the saved rates alone would keep the old
   * drops).
   */
  private void honourNewRates(JsonNode saved, AdamW optimizer, StepLR scheduler) {
    double savedLr = saved.path("lr").asDouble(config.lr());
    double savedBackbone = saved.path("lr_backbone").asDouble(config.lrBackbone());
    int savedDrop = saved.path("lr_drop").asInt(config.lrDrop());
    if (savedLr == config.lr() && savedBackbone == config.lrBackbone() && savedDrop == config.lrDrop()) {
      return;
    }
    int drops = scheduler.lastEpoch() / config.lrDrop();
    double drop = Math.pow(0.1, drops);
    optimizer.setLr(0, config.lr() * drop);
    optimizer.setLr(1, config.lrBackbone() * drop);
    if (config.model().isDeformable()) {
      optimizer.setLr(2, config.lr() * ParameterGroups.DEFORMABLE_LINEAR_PROJ_MULT * drop);
    }
    progress.printf("learning rates changed at resume: lr %s -> %s, lr_backbone %s -> %s, lr_drop %d -> %d"
        + " (now %.3e / %.3e after %d StepLR drops)%n", savedLr, config.lr(), savedBackbone,
        config.lrBackbone(), savedDrop, config.lrDrop(), optimizer.lr(0), optimizer.lr(1), drops);
  }
}

package jdetr.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import jdetr.checkpoint.AtomicFiles;
import jdetr.checkpoint.CheckpointStore;
import jdetr.checkpoint.ModelWeights;
import jdetr.checkpoint.OfficialCheckpoint;
import jdetr.checkpoint.Safetensors;
import jdetr.data.Batch;
import jdetr.data.CocoDataset;
import jdetr.data.CocoPaths;
import jdetr.data.transforms.TrainTransform;
import jdetr.data.transforms.ValTransform;
import jdetr.engine.AdamW;
import jdetr.engine.AdamWConfig;
import jdetr.engine.MatchingSource;
import jdetr.engine.ParameterGroups;
import jdetr.engine.StepLR;
import jdetr.engine.StepLog;
import jdetr.engine.TrainStep;
import jdetr.engine.TrainableParameters;
import jdetr.loss.CriterionConfig;
import jdetr.loss.SetCriterion;
import jdetr.matcher.HungarianMatcher;
import jdetr.matcher.MatcherConfig;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrConfig;

/**
 * The training loop of one JVM (the reference's {@code main.py}): per epoch, the shuffled batches
 * of the train split through {@link TrainStep} (the next batch is prepared while a step runs),
 * StepLR, COCO evaluation of the val split, a checkpoint, and one line of {@code log.jsonl} with
 * the reference's keys. Runs on the calling thread, which owns the model.
 */
public final class Trainer {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final TrainConfig config;
  private final PrintStream progress;
  private BatchSource batches;
  private MatchingSource matching;

  public Trainer(TrainConfig config, PrintStream progress) {
    this.config = config;
    this.progress = progress;
  }

  /**
   * Takes batches and matchings from the given sources (the data and matcher stages) instead of
   * the local loader thread and the local matcher.
   */
  public Trainer withSources(BatchSource batches, MatchingSource matching) {
    this.batches = batches;
    this.matching = matching;
    return this;
  }

  /** What a finished run reports. */
  public record Result(int epochs, long steps, Map<String, Object> lastLog, Path checkpoint) {}

  public Result run(boolean resume) throws IOException {
    CocoPaths[] splits = TrainData.openOrGenerate(config.dataRoot(), config.synth());
    CocoDataset train = CocoDataset.open(splits[0]);
    DetrConfig modelConfig = config.modelFor(train.numClasses());
    Path out = config.outputDir();
    Files.createDirectories(out);
    Engine.getInstance().setRandomSeed((int) config.seed());
    ExecutorService loader = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "jdetr-batches");
      t.setDaemon(true);
      return t;
    });
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      DetectionTransformer detr = DetectionTransformer.create(modelConfig, manager);
      if (config.weights() != null) {
        loadWeights(detr, config.weights(), manager);
      }
      AdamW optimizer = new AdamW(ParameterGroups.reference(modelConfig.isDeformable(),
          TrainableParameters.of(detr), config.lr(), config.lrBackbone()),
          new AdamWConfig(0.9, 0.999, 1e-8, config.weightDecay()), manager);
      StepLR scheduler = new StepLR(optimizer, config.lrDrop(), 0.1);
      SetCriterion criterion = new SetCriterion(
          CriterionConfig.defaults(modelConfig.classLoss()).withAuxLoss(modelConfig.auxLoss()),
          modelConfig.numClasses());
      TrainStep trainStep = new TrainStep(detr, criterion,
          matching != null ? matching : MatchingSource.local(
              new HungarianMatcher(MatcherConfig.defaults(modelConfig.classLoss()))),
          optimizer,
          config.clipMaxNorm(), config.microBatches(), manager);
      TrainData data = new TrainData(train, new TrainTransform(config.augmentation()),
          config.batchSize(), config.seed());
      ValEvaluation val = new ValEvaluation(splits[1], new ValTransform(config.augmentation()),
          config.batchSize());
      CheckpointStore store = new CheckpointStore(out.resolve("checkpoints"),
          config.keepCheckpoints());
      TreeMap<Integer, String> categories = new TreeMap<>(train.categoryNames());
      long nParameters = TrainableParameters.count(detr);

      int firstEpoch = 0;
      long step = 0;
      if (resume) {
        Optional<TrainCheckpoint.Resumed> r =
            TrainCheckpoint.restore(store, detr, optimizer, scheduler, manager);
        if (r.isPresent()) {
          firstEpoch = r.get().epochsDone();
          step = r.get().step();
          r.get().rejected().forEach(m -> progress.println("checkpoint rejected: " + m));
          progress.printf("resumed from %s: %d epochs done, step %d%n", r.get().dir(), firstEpoch,
              step);
          honourNewRates(r.get().savedConfig(), optimizer, scheduler);
        } else {
          progress.println("no checkpoint in " + store.root() + ": starting from scratch");
        }
      }
      progress.printf("training %s: %d train / %d val images, %d classes, %d parameters, "
              + "%d steps per epoch%n", modelConfig.backbone(), train.size(), val.dataset().size(),
          modelConfig.numClasses(), nParameters, data.stepsPerEpoch());

      BatchSource source = batches != null ? batches
          : (e, s) -> CompletableFuture.supplyAsync(() -> data.batch(e, s), loader);
      Map<String, Object> lastLog = Map.of();
      Path lastCheckpoint = null;
      int steps = config.maxStepsPerEpoch() > 0
          ? Math.min(config.maxStepsPerEpoch(), data.stepsPerEpoch()) : data.stepsPerEpoch();
      for (int epoch = firstEpoch; epoch < config.epochs(); epoch++) {
        EpochMeter meter = new EpochMeter();
        long started = System.nanoTime();
        final int e = epoch;
        CompletableFuture<Batch> next = source.batch(e, 0);
        for (int s = 0; s < steps; s++) {
          Batch batch = next.join();
          int following = s + 1;
          next = following < steps ? source.batch(e, following) : null;
          StepLog log = trainStep.run(batch, step);
          step++;
          meter.add(log);
          if ((s + 1) % 10 == 0 || s + 1 == steps) {
            progressLine(epoch, s + 1, steps, log, started);
          }
        }
        scheduler.step();
        boolean last = epoch + 1 == config.epochs();
        Map<String, Object> line = new LinkedHashMap<>();
        meter.averages().forEach((k, v) -> line.put("train_" + k, v));
        if ((epoch + 1) % config.evalEvery() == 0 || last) {
          double[] stats = val.run(detr, manager);
          line.put("test_coco_eval_bbox", stats);
          progress.printf("epoch %d: val AP %.4f AP50 %.4f%n", epoch, stats[0], stats[1]);
        }
        line.put("epoch", epoch);
        line.put("n_parameters", nParameters);
        appendLog(out.resolve("log.jsonl"), line);
        lastLog = line;
        figures(out, last ? detr : null, categories);
        if ((epoch + 1) % config.checkpointEvery() == 0 || last) {
          lastCheckpoint = TrainCheckpoint.save(store, detr, optimizer, scheduler, epoch + 1, step,
              config, categories, line, manager).dir();
        }
        progress.printf("epoch %d done in %.1f s: loss %.4f%n", epoch,
            (System.nanoTime() - started) / 1e9, (Double) line.getOrDefault("train_loss", Double.NaN));
      }
      optimizer.close();
      return new Result(config.epochs(), step, lastLog, lastCheckpoint);
    } finally {
      loader.shutdownNow();
    }
  }

  private void progressLine(int epoch, int done, int steps, StepLog log, long started) {
    double seconds = (System.nanoTime() - started) / 1e9;
    double rate = done / Math.max(seconds, 1e-9);
    progress.printf("epoch %d [%d/%d] %.2f steps/s eta %.0f s  loss %.4f ce %.4f bbox %.4f giou %.4f"
            + " class_error %.1f lr %.2e%n", epoch, done, steps, rate, (steps - done) / rate,
        log.loss(), log.values().get("loss_ce"), log.values().get("loss_bbox"),
        log.values().get("loss_giou"), log.values().get("class_error"), log.values().get("lr"));
  }

  /** Plots after every epoch; drawn val predictions after the last (a failure is only reported). */
  private void figures(Path out, DetectionTransformer finalModel, TreeMap<Integer, String> categories) {
    try {
      RunFigures.plots(out.resolve("log.jsonl"), out.resolve("plots"));
      if (finalModel != null) {
        CocoDataset val = CocoDataset.open(TrainData.openOrGenerate(config.dataRoot(), null)[1]);
        RunFigures.predictions(finalModel, categories, new ValTransform(config.augmentation()), val,
            4, 0.5, out.resolve("predictions"));
      }
    } catch (IOException | RuntimeException e) {
      progress.println("warning: could not draw the run's figures: " + e);
    }
  }

  /** Starts from {@code weights}: an official {@code .pth} or a jdetr weights directory. */
  private void loadWeights(DetectionTransformer detr, Path weights, NDManager manager) throws IOException {
    try (NDManager scratch = manager.newSubManager()) {
      Map<String, NDArray> state;
      if (Files.isDirectory(weights)) {
        state = Safetensors.read(weights.resolve(ModelWeights.TENSORS), scratch).tensors();
      } else {
        state = OfficialCheckpoint.load(weights, detr.config(), scratch).detr().stateDict();
      }
      try {
        boolean reset = detr.loadStateDict(state, true).headReset();
        progress.printf("weights %s loaded%s%n", weights,
            reset ? "; class head re-initialised for " + detr.config().numClasses() + " classes" : "");
      } catch (IllegalArgumentException e) {
        throw new IOException(weights + ": " + e.getMessage(), e);
      }
    }
  }

  /** A learning rate changed since the checkpoint (given at resume) replaces the saved one. */
  private void honourNewRates(JsonNode saved, AdamW optimizer, StepLR scheduler) {
    double savedLr = saved.path("lr").asDouble(config.lr());
    double savedBackbone = saved.path("lr_backbone").asDouble(config.lrBackbone());
    if (savedLr == config.lr() && savedBackbone == config.lrBackbone()) {
      return;
    }
    double drop = Math.pow(0.1, scheduler.lastEpoch() / config.lrDrop());
    optimizer.setLr(0, config.lr() * drop);
    optimizer.setLr(1, config.lrBackbone() * drop);
    if (config.model().isDeformable()) {
      optimizer.setLr(2, config.lr() * ParameterGroups.DEFORMABLE_LINEAR_PROJ_MULT * drop);
    }
    progress.printf("learning rates changed at resume: lr %s -> %s, lr_backbone %s -> %s"
        + " (now %.3e / %.3e after %d StepLR drops)%n", savedLr, config.lr(), savedBackbone,
        config.lrBackbone(), optimizer.lr(0), optimizer.lr(1), scheduler.lastEpoch() / config.lrDrop());
  }

  /** Appends one JSON line: the whole file is rewritten atomically, earlier lines kept. */
  static void appendLog(Path file, Map<String, Object> line) throws IOException {
    byte[] before = Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
    byte[] add = (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] all = new byte[before.length + add.length];
    System.arraycopy(before, 0, all, 0, before.length);
    System.arraycopy(add, 0, all, before.length, add.length);
    AtomicFiles.writeBytes(file, all);
  }

}

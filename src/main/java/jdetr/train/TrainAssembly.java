package jdetr.train;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import jdetr.engine.AdamW;
import jdetr.engine.AdamWConfig;
import jdetr.engine.EngineRandom;
import jdetr.engine.MatchingSource;
import jdetr.engine.ParameterGroups;
import jdetr.engine.StepLR;
import jdetr.engine.TrainStep;
import jdetr.engine.TrainableParameters;
import jdetr.loss.SetCriterion;
import jdetr.matcher.HungarianMatcher;
import jdetr.matcher.MatcherConfig;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrConfig;
import jdetr.model.ModelBuilder;
import jdetr.model.StateDict;

/**
 * The parts of a training run, built in one place from its config (DETR's {@code build(args)} with
 * the optimizer and {@code lr_scheduler} of its {@code main.py}): the model, fresh from the
 * recipe's seed or from initial weights; the set criterion and the matcher costs from the recipe's
 * coefficients; AdamW over the reference's parameter groups; StepLR (gamma 0.1). {@link Trainer}
 * and {@code bench train} build their runs here.
 */
public final class TrainAssembly {

  private final TrainConfig config;
  private final DetectionTransformer detr;
  private final SetCriterion criterion;
  private final MatcherConfig matcher;
  private final AdamW optimizer;
  private final StepLR scheduler;
  private final NDManager manager;

  private TrainAssembly(TrainConfig config, DetectionTransformer detr, NDManager manager) {
    this.config = config;
    this.detr = detr;
    this.manager = manager;
    DetrConfig model = detr.config();
    optimizer = new AdamW(ParameterGroups.reference(model.isDeformable(),
        TrainableParameters.of(detr), config.lr(), config.lrBackbone()),
        new AdamWConfig(0.9, 0.999, 1e-8, config.weightDecay()), manager);
    scheduler = new StepLR(optimizer, config.lrDrop(), 0.1);
    criterion = new SetCriterion(config.losses().criterion(model.classLoss(), model.auxLoss()),
        model.numClasses(), model.masks() ? config.segmentation().maskLosses() : null);
    matcher = config.losses().matcher(model.classLoss());
  }

  /**
   * Builds the run of {@code config} whose model is {@code recipeModel} (the recipe's, with the
   * dataset's class count): a fresh model seeded with the recipe's seed, or the model of
   * {@code config.weights()} (its architecture, the recipe's class count; what differs is printed
   * on {@code progress}). The arrays belong to {@code manager}.
   */
  public static TrainAssembly build(TrainConfig config, DetrConfig recipeModel, NDManager manager,
      PrintStream progress) throws IOException {
    Path frozen = config.segmentation().frozenWeights();
    Path weights = frozen != null ? frozen : config.weights();
    DetectionTransformer detr = weights == null
        ? EngineRandom.seeded((int) config.seed(), () -> ModelBuilder.build(recipeModel, manager))
        : startFrom(weights, config, recipeModel, manager, progress);
    if (frozen != null) {
      FrozenDetector.freeze(detr, frozen, progress);
    }
    return new TrainAssembly(config.withModel(detr.config()), detr, manager);
  }

  /** The run's config with the model as built. */
  public TrainConfig config() {
    return config;
  }

  public DetectionTransformer detr() {
    return detr;
  }

  public SetCriterion criterion() {
    return criterion;
  }

  /** The Hungarian matcher's costs (local, and sent with every remote match request). */
  public MatcherConfig matcher() {
    return matcher;
  }

  public AdamW optimizer() {
    return optimizer;
  }

  public StepLR scheduler() {
    return scheduler;
  }

  /** Matching by the Hungarian matcher on the calling thread. */
  public MatchingSource localMatching() {
    return MatchingSource.local(new HungarianMatcher(matcher));
  }

  /** The optimisation step over {@code matching} (micro-batches and clipping from the config). */
  public TrainStep trainStep(MatchingSource matching) {
    return new TrainStep(detr, criterion, matching, optimizer, config.clipMaxNorm(),
        config.microBatching(), manager);
  }

  /**
   * The model built from {@code weights} (an official {@code .pth} or a jdetr weights directory):
   * the checkpoint's architecture, the recipe's class count (see {@link InitialWeights}).
   */
  private static DetectionTransformer startFrom(Path weights, TrainConfig config,
      DetrConfig recipeModel, NDManager manager, PrintStream progress) throws IOException {
    try (InitialWeights initial = InitialWeights.read(weights, recipeModel, manager)) {
      InitialWeights.Architecture architecture = initial.architecture(recipeModel);
      if (!architecture.changes().isEmpty()) {
        progress.printf("weights %s: model from the checkpoint, the recipe differs in %s%n",
            weights, String.join(", ", architecture.changes()));
      }
      DetectionTransformer detr = EngineRandom.seeded((int) config.seed(),
          () -> ModelBuilder.build(architecture.config(), manager));
      StateDict.LoadReport report;
      try {
        report = EngineRandom.exclusive(() -> {
          try {
            return initial.loadInto(detr);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
      progress.println(initial.describe(report, detr.config()));
      if (report.headReset() && weights.equals(config.segmentation().frozenWeights())) {
        throw new IOException(weights + ": frozen_weights has " + initial.saved().numClasses()
            + " classes, the run " + detr.config().numClasses() + ": a frozen detector cannot"
            + " re-learn its class head (set model.num_classes to the checkpoint's)");
      }
      return detr;
    }
  }
}

package jdetr.engine;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import jdetr.data.Batch;
import jdetr.data.InstanceMasks;
import jdetr.data.Target;
import jdetr.loss.DenoisingLoss;
import jdetr.loss.LayerPrediction;
import jdetr.loss.MaskTargets;
import jdetr.loss.Matching;
import jdetr.loss.NonFiniteLossException;
import jdetr.loss.Normalisers;
import jdetr.loss.OneToManyLoss;
import jdetr.loss.SetCriterion;
import jdetr.loss.SetLosses;
import jdetr.matcher.MatchInput;
import jdetr.model.Denoising;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrConfig;
import jdetr.model.DetrOutput;
import jdetr.model.ModelInput;
import jdetr.model.OneToMany;
import jdetr.model.deformable.DeformableDetr;
import jdetr.model.deformable.DenoisingQueries;

/**
 * One optimisation step of DETR or Deformable DETR on the calling thread, the batch split into
 * micro-batches:
 *
 * <pre>
 * normalisers from every target of the step
 * forward(0), request matching(0)
 * for j: forward(j+1), request matching(j+1) ; await matching(j) ; loss(j) ; backward(j)
 * clip the global gradient norm ; AdamW step ; zero gradients
 * </pre>
 *
 * Gradients of the micro-batches accumulate, and every micro-batch loss is divided by the whole
 * step's {@link Normalisers}, so the step equals the full-batch step of the reference
 * ({@code detr/engine.py train_one_epoch}) up to float rounding. At most two micro-batch graphs
 * are alive at a time. With denoising queries (two-stage Deformable DETR with {@code denoising}),
 * they are drawn once for the step, each micro-batch runs its images' share, and their loss terms
 * join the micro-batch's loss; so do the terms of the one-to-many queries of hybrid matching
 * ({@code one_to_many}), matched with the rest against the repeated targets. One thread owns
 * the model and runs every step; with {@link MicroBatching#concurrent()} a helper thread runs the
 * second of two micro-batches beside the first ({@link ConcurrentMicroBatches}).
 */
public final class TrainStep {

  private final DetectionTransformer detr;
  private final SetCriterion criterion;
  private final MatchingSource matching;
  private final AdamW optimizer;
  private final double clipMaxNorm;
  private final int microBatches;
  /** Runs the two micro-batches at once, or null when they run one after another. */
  private final ConcurrentMicroBatches concurrent;
  private final NDManager manager;
  private final Denoising denoising;
  /**
   * The model as the Deformable DETR that takes denoising and one-to-many queries, or null
   * without either.
   */
  private final DeformableDetr denoised;
  private final DenoisingLoss denoisingLoss;
  /** The loss of the one-to-many queries, or null without them. */
  private final OneToManyLoss oneToManyLoss;
  /** The weight of every logged loss term, denoising terms included. */
  private final Map<String, Double> weights;

  /**
   * @param detr the model; its trainable parameters are those of {@code optimizer}
   * @param criterion the set loss
   * @param matching where the matchings of each micro-batch come from
   * @param optimizer AdamW over the model's trainable parameters
   * @param clipMaxNorm global gradient norm bound ({@code --clip_max_norm}); 0 turns clipping off
   * @param microBatches how many parts a step's batch is split into (at most one image each)
   * @param manager parent of the per-step arrays (closed at the end of each step)
   */
  public TrainStep(DetectionTransformer detr, SetCriterion criterion, MatchingSource matching, AdamW optimizer,
      double clipMaxNorm, int microBatches, NDManager manager) {
    this(detr, criterion, matching, optimizer, clipMaxNorm, MicroBatching.sequential(microBatches),
        manager);
  }

  /** As above, the micro-batches run as {@code microBatching} says. */
  public TrainStep(DetectionTransformer detr, SetCriterion criterion, MatchingSource matching, AdamW optimizer,
      double clipMaxNorm, MicroBatching microBatching, NDManager manager) {
    if (clipMaxNorm < 0) {
      throw new IllegalArgumentException("clip max norm must be >= 0, got " + clipMaxNorm);
    }
    this.detr = detr;
    this.criterion = criterion;
    this.matching = matching;
    this.optimizer = optimizer;
    this.clipMaxNorm = clipMaxNorm;
    this.microBatches = microBatching.parts();
    microBatching.check(Integer.MAX_VALUE, detr.config().dropout());
    concurrent = microBatching.concurrent() ? new ConcurrentMicroBatches() : null;
    this.manager = manager;
    DetrConfig c = detr.config();
    denoising = c.isDeformable() ? c.deformable().denoising() : Denoising.off();
    denoisingLoss = denoising.enabled() ? new DenoisingLoss(criterion, denoising.groups()) : null;
    OneToMany many = c.isDeformable() ? c.deformable().oneToMany() : OneToMany.off();
    oneToManyLoss = many.enabled()
        ? new OneToManyLoss(criterion, many.queries(), many.k(), many.weight()) : null;
    denoised = denoising.enabled() || many.enabled() ? (DeformableDetr) detr : null;
    Map<String, Double> w = new LinkedHashMap<>(
        criterion.weightDict(c.decLayers(), supervisesProposals()));
    if (denoisingLoss != null) {
      w.putAll(denoisingLoss.weightDict(c.decLayers()));
    }
    if (oneToManyLoss != null) {
      w.putAll(oneToManyLoss.weightDict(c.decLayers()));
    }
    weights = Collections.unmodifiableMap(w);
  }

  public AdamW optimizer() {
    return optimizer;
  }

  public DetectionTransformer detr() {
    return detr;
  }

  /**
   * A micro-batch whose forward has run and whose matching is under way; {@code proposals} are
   * two-stage Deformable DETR's encoder proposals (matched as one more layer, the last), else null;
   * {@code denoising} the denoising queries' predictions per layer, else null; {@code oneToMany}
   * the one-to-many queries' per layer (matched after the rest), else null, with the
   * {@code repeated} targets they are matched to.
   */
  private record InFlight(NDManager scope, List<LayerPrediction> layers, List<Target> targets,
      LayerPrediction proposals, List<LayerPrediction> denoising,
      List<LayerPrediction> oneToMany, List<Target> repeated,
      CompletableFuture<List<List<Matching>>> matchings, NDArray predMasks, int[] range) {}

  /**
   * What every micro-batch of a step shares: the padded images, the batch, the denoising queries
   * (or null), the target masks (or null), the normalisers and the step's scope.
   */
  private record Whole(ModelInput input, Batch batch, DenoisingQueries dn, MaskTargets maskTargets,
      Normalisers normalisers, Normalisers oneToManyNorm, NDManager scope, long step) {}

  /** The proposals' {@code _enc} terms are trained (two-stage with auxiliary losses). */
  private boolean supervisesProposals() {
    DetrConfig c = detr.config();
    return c.isDeformable() && c.deformable().twoStage() && criterion.config().auxLoss();
  }

  /**
   * Runs one step on {@code batch}.
   *
   * @param step the global step number (named in errors)
   * @return the step's logged values under the reference's keys, and where its time went
   * @throws NonFiniteLossException when the loss is NaN or infinite; the parameters are unchanged
   */
  public StepLog run(Batch batch, long step) {
    StageTimes.Meter meter = new StageTimes.Meter();
    int b = batch.size();
    int parts = Math.min(microBatches, b);
    int queries = detr.config().numQueries();
    Normalisers normalisers = Normalisers.of(batch.targets(), queries, criterion.config().eosCoef());
    Normalisers oneToManyNorm = oneToManyLoss == null ? null
        : oneToManyLoss.normalisers(batch.targets());
    StepLog.Tally tally = new StepLog.Tally(weights);
    optimizer.zeroGrad();
    meter.lap(StageTimes.Meter.OPTIMIZER);
    try (NDManager stepScope = manager.newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      ModelInput input = ModelInput.of(batch, stepScope); // kept open until every backward is done
      Whole whole = new Whole(input, batch, denoisingQueries(batch.targets(), stepScope),
          criterion.masks() == null ? null : maskTargets(batch, stepScope), normalisers,
          oneToManyNorm, stepScope, step);
      if (concurrent != null && parts == 2) {
        List<StepLog.Tally> tallies = concurrent.run(j -> {
          StageTimes.Meter own = j == 0 ? meter : new StageTimes.Meter(); // the caller's times
          StepLog.Tally part = new StepLog.Tally(weights);
          finish(forward(whole, bounds(b, 2, j), own), whole, part, own,
              ConcurrentMicroBatches::backward);
          return part;
        }, stepScope);
        tallies.forEach(tally::addAll); // in micro-batch order
      } else {
        InFlight next = forward(whole, bounds(b, parts, 0), meter);
        for (int j = 0; j < parts; j++) {
          InFlight current = next;
          next = j + 1 < parts ? forward(whole, bounds(b, parts, j + 1), meter) : null;
          finish(current, whole, tally, meter, collector::backward);
        }
      }
    } catch (RuntimeException e) {
      optimizer.zeroGrad(); // nothing of a failed step reaches the next one
      throw e;
    }
    meter.lap(StageTimes.Meter.BACKWARD);
    double total = tally.total();
    if (!Double.isFinite(total)) {
      optimizer.zeroGrad();
      throw new NonFiniteLossException(step, (float) total, tally.floatValues());
    }
    float gradNorm = clipMaxNorm > 0
        ? GradientClipping.clipGlobalNorm(optimizer.parameterArrays(), clipMaxNorm)
        : Float.NaN;
    optimizer.step();
    optimizer.zeroGrad();
    meter.lap(StageTimes.Meter.OPTIMIZER);
    return tally.log(step, b, optimizer.lr(0), gradNorm, meter.wall(), meter.cpu());
  }

  /** Images [from, to) of micro-batch {@code j} of {@code parts} equal contiguous parts. */
  static int[] bounds(int batch, int parts, int j) {
    return new int[] {(int) ((long) batch * j / parts), (int) ((long) batch * (j + 1) / parts)};
  }

  /**
   * Awaits the matching of an in-flight micro-batch, adds its losses to {@code tally} and
   * backpropagates them with {@code backward}; the micro-batch's arrays are closed.
   */
  private void finish(InFlight current, Whole whole, StepLog.Tally tally, StageTimes.Meter meter,
      Consumer<NDArray> backward) {
    try (NDManager scope = current.scope()) {
      List<List<Matching>> matchings = await(current.matchings());
      meter.lap(StageTimes.Meter.MATCH_WAIT);
      List<List<Matching>> manyMatchings = null;
      if (current.oneToMany() != null) { // matched after everything else
        int from = matchings.size() - current.oneToMany().size();
        manyMatchings = matchings.subList(from, matchings.size());
        matchings = matchings.subList(0, from);
      }
      SetCriterion.EncoderProposals proposals = null;
      if (current.proposals() != null) { // matched after the decoder layers
        proposals = new SetCriterion.EncoderProposals(current.proposals(),
            matchings.get(matchings.size() - 1));
        matchings = matchings.subList(0, matchings.size() - 1);
      }
      SetLosses losses = whole.maskTargets() == null
          ? criterion.compute(current.layers(), current.targets(), matchings, whole.normalisers(),
              whole.step(), proposals)
          : criterion.compute(current.layers(), current.targets(), matchings, whole.normalisers(),
              whole.step(), proposals, new SetCriterion.MaskPrediction(current.predMasks(),
                  whole.maskTargets().slice(current.range()[0], current.range()[1])));
      if (current.denoising() != null) {
        losses = losses.plus(denoisingLoss.compute(current.denoising(), current.targets(),
            whole.dn().slots(), whole.normalisers(), whole.step()));
      }
      if (manyMatchings != null) {
        losses = losses.plus(oneToManyLoss.compute(current.oneToMany(), current.repeated(),
            manyMatchings, whole.oneToManyNorm(), whole.step()));
      }
      tally.add(losses, current.targets());
      meter.lap(StageTimes.Meter.LOSS);
      backward.accept(losses.total());
    }
    meter.lap(StageTimes.Meter.BACKWARD);
  }

  /**
   * The step's denoising queries, drawn once for the whole batch from the engine's generator
   * (seeded per step), so that every micro-batch split sees the same ones; null without denoising
   * or when no image has a target.
   */
  private DenoisingQueries denoisingQueries(List<Target> targets, NDManager stepScope) {
    int slots = DenoisingQueries.slots(targets, denoising);
    if (denoisingLoss == null || slots == 0) {
      return null;
    }
    long n = (long) targets.size() * denoising.groups() * slots;
    try (NDArray u = stepScope.randomUniform(0f, 1f,
        new Shape(n * DenoisingQueries.UNIFORMS_PER_QUERY))) {
      return DenoisingQueries.draw(targets, denoising, detr.config().numClasses(),
          u.toFloatArray());
    }
  }

  private InFlight forward(Whole whole, int[] range, StageTimes.Meter meter) {
    ModelInput input = whole.input();
    DenoisingQueries dn = whole.dn();
    long step = whole.step();
    NDManager scope = whole.scope().newSubManager();
    NDIndex rows = new NDIndex("{}:{}", range[0], range[1]);
    NDArray images = input.images().get(rows); // [b, 3, H, W], padded like the whole batch
    NDArray mask = input.mask().get(rows); // [b, H, W]
    images.attach(scope);
    mask.attach(scope);
    DetrOutput out = denoised == null ? detr.forward(images, mask, true)
        : denoised.forward(images, mask, dn == null ? null : dn.images(range[0], range[1]));
    List<Target> targets = whole.batch().targets().subList(range[0], range[1]);
    int layers = out.numLayers();
    List<LayerPrediction> predictions = new ArrayList<>(layers);
    List<LayerPrediction> denoised = out.hasDenoising() ? new ArrayList<>(layers) : null;
    for (int l = 0; l < layers; l++) {
      predictions.add(new LayerPrediction(out.layerLogits(l), out.layerBoxes(l)));
      if (denoised != null) {
        denoised.add(new LayerPrediction(out.dnLogits().get(l), out.dnBoxes().get(l)));
      }
    }
    meter.lap(StageTimes.Meter.FORWARD);
    List<MatchInput> units;
    try (NDArray logits = out.logits().stopGradient(); // [L, b, Q, K]
        NDArray boxes = out.boxes().stopGradient()) { // [L, b, Q, 4] cxcywh
      int k = (int) logits.getShape().get(3);
      float[] l = logits.toFloatArray();
      float[] bx = boxes.toFloatArray();
      NonFiniteLossException.requireFinite(l, bx, step);
      units = MatchInput.ofLayers(l, bx, layers, detr.config().numQueries(), k, targets);
    }
    LayerPrediction proposals = null;
    if (out.hasProposals() && supervisesProposals()) {
      proposals = new LayerPrediction(out.encLogits(), out.encBoxes());
      units = new ArrayList<>(units);
      try (NDArray logits = out.encLogits().stopGradient(); // [b, S, K]
          NDArray boxes = out.encBoxes().stopGradient()) { // [b, S, 4] cxcywh
        float[] l = logits.toFloatArray();
        float[] bx = boxes.toFloatArray();
        NonFiniteLossException.requireFinite(l, bx, step);
        units.addAll(MatchInput.ofLayers(l, bx, 1, (int) logits.getShape().get(1),
            (int) logits.getShape().get(2), SetCriterion.classAgnostic(targets)));
      }
    }
    List<LayerPrediction> many = null;
    List<Target> repeated = null;
    if (out.hasOneToMany()) {
      many = new ArrayList<>(layers);
      repeated = oneToManyLoss.repeated(targets);
      units = new ArrayList<>(units);
      try (NDArray logits = out.oneToManyLogits().stopGradient(); // [L, b, N, K]
          NDArray boxes = out.oneToManyBoxes().stopGradient()) { // [L, b, N, 4] cxcywh
        for (int l = 0; l < layers; l++) {
          many.add(new LayerPrediction(out.oneToManyLogits().get(l), out.oneToManyBoxes().get(l)));
        }
        float[] l = logits.toFloatArray();
        float[] bx = boxes.toFloatArray();
        NonFiniteLossException.requireFinite(l, bx, step);
        units.addAll(MatchInput.ofLayers(l, bx, layers, (int) logits.getShape().get(2),
            (int) logits.getShape().get(3), repeated));
      }
    }
    CompletableFuture<List<List<Matching>>> matchings = matching.match(step, units, targets.size());
    meter.lap(StageTimes.Meter.MATCH_SEND);
    return new InFlight(scope, predictions, targets, proposals, denoised, many, repeated,
        matchings, out.predMasks(), range);
  }

  /**
   * The step's target masks for the mask losses: each image's [N_i, H_i, W_i] uint8 masks
   * (the batch carries them at each image's size; the losses pad them to the step's size).
   */
  private static MaskTargets maskTargets(Batch batch, NDManager stepScope) {
    List<NDArray> perImage = new ArrayList<>(batch.size());
    for (Target t : batch.targets()) {
      InstanceMasks m = t.masks();
      if (m == null) {
        throw new IllegalArgumentException("image " + t.imageId() + ": the model predicts masks"
            + " (model.masks) but the batch carries no target masks");
      }
      try (NDArray javaOwned = stepScope.create(ByteBuffer.wrap(m.pixels()), // [N, H, W]
          new Shape(m.count(), m.height(), m.width()), DataType.UINT8)) {
        perImage.add(javaOwned.duplicate()); // libtorch memory, as autograd may keep it
      }
    }
    return MaskTargets.of(perImage);
  }

  private static List<List<Matching>> await(CompletableFuture<List<List<Matching>>> f) {
    try {
      return f.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }
}

package jdetr.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import jdetr.data.Batch;
import jdetr.loss.CriterionConfig;
import jdetr.loss.NonFiniteLossException;
import jdetr.loss.SetCriterion;
import jdetr.matcher.HungarianMatcher;
import jdetr.matcher.MatcherConfig;
import jdetr.model.DeformableOptions;
import jdetr.model.Denoising;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrConfig;
import jdetr.model.ModelBuilder;
import jdetr.model.Norm2d;
import org.junit.jupiter.api.Test;

/**
 * The step's two micro-batches on two threads: the same step as one after another, bit for bit,
 * with the second micro-batch on the helper thread; batch-norm running statistics folded in
 * micro-batch order; a failed part changes nothing.
 */
class ConcurrentMicroBatchesTest {

  /** The demo's kind of model: trained batch norm, two-stage with box refinement, denoising. */
  private static final DetrConfig DEMO_LIKE = DetrConfig.builder(
          DetrConfig.Architecture.DEFORMABLE_DETR)
      .backbone("resnet18").backboneStages(3).backboneNorm(Norm2d.Kind.BATCH).hiddenDim(32)
      .nheads(2).encLayers(1).decLayers(2).dimFeedforward(32).numQueries(6).numClasses(4)
      .dropout(0)
      .deformable(new DeformableOptions(3, 2, 2, true, true, new Denoising(3, 0.2, 0.4))).build();

  @Test
  void twoThreadsGiveTheStepOfOneThreadBitForBit() {
    IntraOpThreads.use(1); // both ways then reduce over the same split of each operator
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Engine.getInstance().setRandomSeed(31);
      Batch batch = TrainStepTest.batch(new Random(13), 4);
      DetectionTransformer one = ModelBuilder.build(DEMO_LIKE, m);
      DetectionTransformer two = ModelBuilder.build(DEMO_LIKE, m);
      two.loadStateDict(one.stateDict(), false);
      Map<String, NDArray> before = copies(one.stateDict());
      Set<String> matchedOn = ConcurrentHashMap.newKeySet();
      TrainStep sequential = step(one, MicroBatching.sequential(2), m, matchedOn);
      TrainStep concurrent = step(two, new MicroBatching(2, 2), m, matchedOn);
      for (long s = 1; s <= 2; s++) {
        long n = s;
        StepLog a = EngineRandom.forStep(4, n, () -> sequential.run(batch, n));
        matchedOn.clear();
        StepLog b = EngineRandom.forStep(4, n, () -> concurrent.run(batch, n));
        assertThat(matchedOn).as("threads that asked for matchings")
            .contains("micro-batch-1").hasSize(2);
        assertThat(b.values()).isEqualTo(a.values());
        assertThat(b.gradNorm()).isEqualTo(a.gradNorm());
      }
      Map<String, NDArray> pa = one.stateDict();
      Map<String, NDArray> pb = two.stateDict();
      for (String k : pa.keySet()) {
        if (k.endsWith("running_mean") || k.endsWith("running_var")) {
          assertThat(pa.get(k).sub(pb.get(k)).abs().max().getFloat()).as(k)
              .isLessThanOrEqualTo(1e-6f);
          assertThat(pa.get(k).sub(before.get(k)).abs().max().getFloat()).as(k + " moved")
              .isGreaterThan(1e-4f);
        } else {
          assertThat(pb.get(k).contentEquals(pa.get(k))).as(k).isTrue();
        }
      }
      assertThat(pa.get("class_embed.0.bias").sub(before.get("class_embed.0.bias")).abs().max()
          .getFloat()).as("the steps trained").isGreaterThan(1e-5f);
    } finally {
      IntraOpThreads.useProcessDefault();
    }
  }

  @Test
  void aFailedPartLeavesParametersAndRunningStatisticsUnchanged() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Engine.getInstance().setRandomSeed(32);
      Batch good = TrainStepTest.batch(new Random(14), 2);
      float[] pixels = good.pixels().clone();
      int perImage = pixels.length / 2;
      Arrays.fill(pixels, perImage, pixels.length, Float.NaN); // the second image only
      Batch bad = new Batch(good.size(), good.height(), good.width(), good.imageHeights(),
          good.imageWidths(), pixels, good.mask(), good.targets());
      DetectionTransformer detr = ModelBuilder.build(DEMO_LIKE, m);
      TrainStep step = step(detr, new MicroBatching(2, 2), m, ConcurrentHashMap.newKeySet());
      Map<String, NDArray> before = copies(detr.stateDict());
      assertThatThrownBy(() -> EngineRandom.forStep(4, 7, () -> step.run(bad, 7)))
          .isInstanceOf(NonFiniteLossException.class).hasMessageContaining("step 7")
          .hasMessageContaining("non_finite_pred_logits");
      detr.stateDict().forEach((k, v) -> assertThat(v.contentEquals(before.get(k))).as(k).isTrue());
      StepLog next = EngineRandom.forStep(4, 8, () -> step.run(good, 8));
      assertThat(next.loss()).isFinite();
    }
  }

  @Test
  void recipesThatWouldNotRepeatAreRefused() {
    assertThatThrownBy(() -> new MicroBatching(4, 2))
        .hasMessageContaining("micro_batch_threads 2").hasMessageContaining("micro_batches 2");
    assertThatThrownBy(() -> new MicroBatching(4, 4)).hasMessageContaining("1 or 2");
    assertThatThrownBy(() -> new MicroBatching(2, 2).check(8, 0.1))
        .hasMessageContaining("model.dropout 0");
    assertThatThrownBy(() -> new MicroBatching(2, 1).check(1, 0))
        .hasMessageContaining("micro_batches: 2 is more than batch_size 1");
  }

  private static TrainStep step(DetectionTransformer detr, MicroBatching microBatching,
      NDManager m, Set<String> matchedOn) {
    AdamW adamw = new AdamW(ParameterGroups.reference(true, TrainableParameters.of(detr), 1e-4,
        1e-4), AdamWConfig.DETR, m);
    MatchingSource local = MatchingSource.local(new HungarianMatcher(MatcherConfig.DEFORMABLE_DETR));
    MatchingSource recording = (step, units, n) -> {
      matchedOn.add(Thread.currentThread().getName());
      return local.match(step, units, n);
    };
    return new TrainStep(detr, new SetCriterion(CriterionConfig.deformableDetr(),
        DEMO_LIKE.numClasses()), recording, adamw, 0.1, microBatching, m);
  }

  private static Map<String, NDArray> copies(Map<String, NDArray> state) {
    Map<String, NDArray> out = new HashMap<>();
    state.forEach((k, v) -> out.put(k, v.duplicate()));
    return out;
  }
}

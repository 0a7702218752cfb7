package jdetr.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import jdetr.autograd.CollectedJavaMemory;
import jdetr.data.Batch;
import jdetr.data.Collate;
import jdetr.data.Sample;
import jdetr.data.Target;
import jdetr.loss.CriterionConfig;
import jdetr.loss.NonFiniteLossException;
import jdetr.loss.SetCriterion;
import jdetr.matcher.HungarianMatcher;
import jdetr.matcher.MatcherConfig;
import jdetr.model.Detr;
import jdetr.model.DetrConfig;
import org.junit.jupiter.api.Test;

/** A step split into micro-batches is the full-batch step; a non-finite loss stops the step. */
class TrainStepTest {

  static final DetrConfig TINY = DetrConfig.builder().backbone("resnet18").hiddenDim(32).nheads(4)
      .encLayers(1).decLayers(2).dimFeedforward(64).numQueries(6).numClasses(4).dropout(0)
      .build();

  @Test
  void microBatchesGiveTheFullBatchParameters() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Engine.getInstance().setRandomSeed(11);
      Batch batch = batch(new Random(5), 4);
      Setup full = new Setup(m, null, 1);
      // the split step collects garbage between forward and backward: nothing of its graph may
      // live in memory only Java keeps alive
      List<CollectedJavaMemory> overwritten = new ArrayList<>();
      HungarianMatcher matcher = new HungarianMatcher(MatcherConfig.DETR);
      MatchingSource collecting = (step, units, n) -> {
        overwritten.add(CollectedJavaMemory.collectAndOverwrite());
        return MatchingSource.local(matcher).match(step, units, n);
      };
      Setup split = new Setup(m, full.detr, 2, collecting);
      for (long step = 1; step <= 2; step++) {
        StepLog a = full.step.run(batch, step);
        StepLog b = split.step.run(batch, step);
        assertThat(b.values().keySet()).containsExactlyElementsOf(a.values().keySet());
        for (String k : a.values().keySet()) {
          assertThat(b.values().get(k)).as(k).isCloseTo(a.values().get(k),
              org.assertj.core.data.Offset.offset(1e-5 * Math.max(1, Math.abs(a.values().get(k)))));
        }
        assertThat(b.gradNorm()).isCloseTo(a.gradNorm(), org.assertj.core.data.Percentage.withPercentage(1e-3));
        assertThat(a.gradNorm()).as("clipping at 0.1 is active").isGreaterThan(0.1f);
      }
      double worst = 0;
      String where = "";
      Map<String, NDArray> pa = full.detr.stateDict();
      Map<String, NDArray> pb = split.detr.stateDict();
      for (String k : pa.keySet()) {
        float d = pa.get(k).sub(pb.get(k)).abs().max().getFloat();
        if (d > worst) {
          worst = d;
          where = k;
        }
      }
      overwritten.forEach(CollectedJavaMemory::close);
      assertThat(worst).as("max |full - split| at " + where).isLessThanOrEqualTo(1e-6);
      // the steps did change the model
      assertThat(pa.get("class_embed.bias").sub(full.initialBias).abs().max().getFloat())
          .isGreaterThan(1e-5f);
    }
  }

  @Test
  void nonFiniteLossStopsTheStepNamingItAndLeavesParametersUnchanged() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Engine.getInstance().setRandomSeed(12);
      Batch good = batch(new Random(6), 2);
      float[] pixels = good.pixels().clone();
      Arrays.fill(pixels, Float.NaN);
      Batch bad = new Batch(good.size(), good.height(), good.width(), good.imageHeights(),
          good.imageWidths(), pixels, good.mask(), good.targets());
      Setup s = new Setup(m, null, 2);
      NDArray before = s.detr.stateDict().get("class_embed.weight").duplicate();
      assertThatThrownBy(() -> s.step.run(bad, 7))
          .isInstanceOf(NonFiniteLossException.class)
          .hasMessageContaining("step 7")
          .hasMessageContaining("non_finite_pred_logits");
      assertThat(s.detr.stateDict().get("class_embed.weight").contentEquals(before)).isTrue();
      // the next step starts from clean gradients and trains normally
      StepLog log = s.step.run(good, 8);
      assertThat(log.loss()).isFinite();
    }
  }

  /** A model (a copy of {@code source} when given) with its optimizer and step. */
  static final class Setup {
    final Detr detr;
    final TrainStep step;
    final NDArray initialBias;

    Setup(NDManager m, Detr source, int microBatches) {
      this(m, source, microBatches,
          MatchingSource.local(new HungarianMatcher(MatcherConfig.DETR)));
    }

    Setup(NDManager m, Detr source, int microBatches, MatchingSource matching) {
      detr = Detr.create(TINY, m);
      if (source != null) {
        detr.loadStateDict(source.stateDict(), false);
      }
      initialBias = detr.stateDict().get("class_embed.bias").duplicate();
      AdamW adamw = new AdamW(ParameterGroups.detr(TrainableParameters.of(detr), 1e-4, 1e-5),
          AdamWConfig.DETR, m);
      SetCriterion criterion = new SetCriterion(CriterionConfig.detr(), TINY.numClasses());
      step = new TrainStep(detr, criterion, matching, adamw, 0.1, microBatches, m);
    }
  }

  /** {@code n} images of 64 x 64 and 48 x 56 pixels with 0..3 random boxes each. */
  static Batch batch(Random r, int n) {
    List<Sample> samples = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int h = i % 2 == 0 ? 64 : 48;
      int w = i % 2 == 0 ? 64 : 56;
      float[] pixels = new float[3 * h * w];
      for (int k = 0; k < pixels.length; k++) {
        pixels[k] = (float) r.nextGaussian();
      }
      int t = i == 1 ? 0 : 1 + r.nextInt(3);
      int[] labels = new int[t];
      float[] boxes = new float[4 * t];
      for (int k = 0; k < t; k++) {
        labels[k] = 1 + r.nextInt(3);
        boxes[4 * k] = 0.3f + 0.4f * r.nextFloat();
        boxes[4 * k + 1] = 0.3f + 0.4f * r.nextFloat();
        boxes[4 * k + 2] = 0.1f + 0.3f * r.nextFloat();
        boxes[4 * k + 3] = 0.1f + 0.3f * r.nextFloat();
      }
      Target target = new Target(100 + i, labels, boxes, new float[t], new boolean[t], h, w, h, w);
      samples.add(new Sample(h, w, pixels, target));
    }
    return Collate.of(samples);
  }
}

package jdetr.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import jdetr.data.Batch;
import jdetr.data.BatchCodec;
import jdetr.data.Collate;
import jdetr.data.InstanceMasks;
import jdetr.data.Sample;
import jdetr.data.Target;
import jdetr.loss.CriterionConfig;
import jdetr.loss.MaskLosses;
import jdetr.loss.SetCriterion;
import jdetr.matcher.HungarianMatcher;
import jdetr.matcher.MatcherConfig;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrConfig;
import jdetr.model.ModelBuilder;
import org.junit.jupiter.api.Test;

/**
 * A DETRsegm step on a batch whose targets carry instance masks (as the data stage sends them):
 * the mask losses are logged, and a step split into micro-batches gives the full batch's
 * parameters.
 */
class MaskTrainStepTest {
  private static final DetrConfig SEGM = DetrConfig.builder().backbone("resnet18").hiddenDim(128)
      .nheads(8).encLayers(1).decLayers(2).dimFeedforward(64).numQueries(5).numClasses(4)
      .dropout(0).masks(true).build();

  /** The box batch of {@link TrainStepTest#batch}, each object with a mask inside its box. */
  private static Batch withMasks(Batch boxes) {
    List<Sample> samples = new ArrayList<>();
    for (int i = 0; i < boxes.size(); i++) {
      Target t = boxes.targets().get(i);
      int h = t.height(), w = t.width();
      byte[] px = new byte[t.size() * h * w];
      for (int k = 0; k < t.size(); k++) {
        float[] b = t.boxes(); // cxcywh, normalised
        int x0 = (int) ((b[4 * k] - b[4 * k + 2] / 2) * w), x1 = (int) ((b[4 * k] + b[4 * k + 2] / 2) * w);
        int y0 = (int) ((b[4 * k + 1] - b[4 * k + 3] / 2) * h), y1 = (int) ((b[4 * k + 1] + b[4 * k + 3] / 2) * h);
        for (int y = y0; y < y1; y++) {
          for (int x = x0; x < x1; x++) px[(k * h + y) * w + x] = (byte) ((x + y) % 3 == 0 ? 0 : 1);
        }
      }
      float[] pixels = new float[3 * h * w];
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            pixels[(c * h + y) * w + x] = boxes.at(i, c, y, x);
          }
        }
      }
      samples.add(new Sample(h, w, pixels, new Target(t.imageId(), t.labels(), t.boxes(), t.area(),
          t.iscrowd(), t.origHeight(), t.origWidth(), h, w, new InstanceMasks(t.size(), h, w, px))));
    }
    return BatchCodec.decode(BatchCodec.encode(Collate.of(samples))); // as the bus delivers it
  }

  private static TrainStep step(DetectionTransformer detr, int microBatches, NDManager m) {
    AdamW adamw = new AdamW(ParameterGroups.detr(TrainableParameters.of(detr), 1e-4, 1e-5),
        AdamWConfig.DETR, m);
    SetCriterion criterion = new SetCriterion(CriterionConfig.detr(), SEGM.numClasses(),
        MaskLosses.defaults());
    return new TrainStep(detr, criterion, MatchingSource.local(new HungarianMatcher(
        MatcherConfig.DETR)), adamw, 0.1, microBatches, m);
  }

  @Test
  void theMaskLossesTrainAndMicroBatchesGiveTheFullBatch() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Engine.getInstance().setRandomSeed(13);
      Batch batch = withMasks(TrainStepTest.batch(new Random(5), 3));
      DetectionTransformer full = ModelBuilder.build(SEGM, m);
      DetectionTransformer split = ModelBuilder.build(SEGM, m);
      split.loadStateDict(full.stateDict(), false);
      TrainStep a = step(full, 1, m), b = step(split, 3, m);
      NDArray initial = full.stateDict().get("mask_head.out_lay.weight").duplicate();
      StepLog la = a.run(batch, 1);
      StepLog lb = b.run(batch, 1);
      assertThat(la.values()).containsKeys("loss_mask", "loss_dice");
      assertThat(la.values().get("loss_mask")).isFinite().isPositive();
      for (String k : la.values().keySet()) {
        assertThat(lb.values().get(k)).as(k).isCloseTo(la.values().get(k),
            org.assertj.core.data.Offset.offset(1e-5 * Math.max(1, Math.abs(la.values().get(k)))));
      }
      double worst = 0;
      Map<String, NDArray> pa = full.stateDict(), pb = split.stateDict();
      for (String k : pa.keySet()) {
        worst = Math.max(worst, pa.get(k).sub(pb.get(k)).abs().max().getFloat());
      }
      assertThat(worst).as("max |full - split|").isLessThanOrEqualTo(1e-6);
      assertThat(pa.get("mask_head.out_lay.weight").sub(initial).abs().max().getFloat())
          .as("the mask head trained").isGreaterThan(0f);
    }
  }

  @Test
  void aBatchWithoutMasksIsRefusedNamingTheImage() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Engine.getInstance().setRandomSeed(14);
      TrainStep s = step(ModelBuilder.build(SEGM, m), 1, m);
      assertThatThrownBy(() -> s.run(TrainStepTest.batch(new Random(6), 2), 1))
          .hasMessageContaining("image 100").hasMessageContaining("no target masks");
    }
  }
}

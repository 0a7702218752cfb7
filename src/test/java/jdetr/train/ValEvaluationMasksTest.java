package jdetr.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jdetr.data.CocoDataset;
import jdetr.data.CocoPaths;
import jdetr.data.ImageDecoder;
import jdetr.data.ImageLimits;
import jdetr.data.Sample;
import jdetr.data.SynthConfig;
import jdetr.data.SyntheticDataset;
import jdetr.data.transforms.AugmentationConfig;
import jdetr.data.transforms.ValTransform;
import jdetr.eval.CocoEvaluator;
import jdetr.eval.CocoParams;
import jdetr.eval.CocoSegmReader;
import jdetr.eval.Detection;
import jdetr.eval.DetrPredictor;
import jdetr.eval.GroundTruthSet;
import jdetr.eval.SegmResults;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrConfig;
import jdetr.model.ModelBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The val evaluation of a model that predicts masks: the mask logits are fed in directly (a box
 * model's output with a mask function), so the masks are known; mask stats must come out next to
 * the box stats and equal those of the same masks evaluated by hand.
 */
class ValEvaluationMasksTest {
  private static final DetrConfig TINY = DetrConfig.builder().backbone("resnet18").hiddenDim(32)
      .nheads(4).encLayers(1).decLayers(2).dimFeedforward(64).numQueries(6).numClasses(4)
      .dropout(0).build();

  @TempDir Path root;

  /** Query q's mask covers the left (q + 1) / Q of the padded batch: logits +8 there, -8 else. */
  private static NDArray stripes(ai.djl.ndarray.NDArray logits) {
    long[] s = logits.getShape().getShape(); // [B, Q, K]
    int b = (int) s[0], q = (int) s[1], h = 5, w = 7;
    float[] out = new float[b * q * h * w];
    for (int i = 0; i < b; i++) {
      for (int k = 0; k < q; k++) {
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            out[((i * q + k) * h + y) * w + x] = x * q < (k + 1) * w ? 8f : -8f;
          }
        }
      }
    }
    return logits.getManager().create(out, new Shape(b, q, h, w));
  }

  @Test
  void aDetrSegmModelIsEvaluatedOnItsMasksToo() throws Exception {
    SyntheticDataset.write(root, new SynthConfig(2, 2, 48, 5, 4, "png", 0, 0, 1, 3), false);
    CocoPaths val = CocoPaths.resolve(root, "val");
    ValTransform transform = new ValTransform(AugmentationConfig.detrVal(40, 64));
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Engine.getInstance().setRandomSeed(3);
      DetectionTransformer segm = ModelBuilder.build(TINY.toBuilder().hiddenDim(128).nheads(8).masks(true).build(), m);
      ValEvaluation.Stats stats = new ValEvaluation(val, transform, 2).run(segm, () -> false);
      assertThat(stats.bbox()).hasSize(12);
      assertThat(stats.masks()).hasSize(12);
      CocoDataset dataset = CocoDataset.open(val);
      Sample sample = transform.apply(dataset.load(0, new ImageDecoder(ImageLimits.DEFAULT)));
      List<Detection> detections = new DetrPredictor(segm, transform).detect(List.of(sample)).get(0);
      assertThat(detections).hasSize(TINY.numQueries()).allSatisfy(d -> assertThat(
          new int[] {d.mask().height(), d.mask().width()}).containsExactly(
              sample.target().origHeight(), sample.target().origWidth()));
    }
  }

  @Test
  void maskStatsComeWithTheBoxStatsWhenThePredictionsHaveMasks() throws Exception {
    SyntheticDataset.write(root, new SynthConfig(2, 3, 48, 5, 4, "png", 0, 0, 1, 3), false);
    CocoPaths val = CocoPaths.resolve(root, "val");
    ValTransform transform = new ValTransform(AugmentationConfig.detrVal(40, 64));
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Engine.getInstance().setRandomSeed(3);
      DetectionTransformer detr = ModelBuilder.build(TINY, m);
      ValEvaluation evaluation = new ValEvaluation(val, transform, 2);

      ValEvaluation.Stats boxesOnly = evaluation.run(detr, null, () -> false);
      assertThat(boxesOnly.masks()).isNull();
      assertThat(boxesOnly.bbox()).hasSize(12);

      ValEvaluation.Stats both = evaluation.run(detr, out -> stripes(out.predLogits()), () -> false);
      assertThat(both.bbox()).containsExactly(boxesOnly.bbox());
      assertThat(both.masks()).hasSize(12);

      // the same masks evaluated by hand
      DetrPredictor predictor = new DetrPredictor(detr, transform)
          .withPredMasks(out -> stripes(out.predLogits()));
      CocoDataset dataset = CocoDataset.open(val);
      ImageDecoder decoder = new ImageDecoder(ImageLimits.DEFAULT);
      SegmResults byHand = new SegmResults();
      for (int from = 0; from < dataset.size(); from += 2) {
        List<Sample> samples = new ArrayList<>();
        for (int i = from; i < Math.min(dataset.size(), from + 2); i++) {
          samples.add(transform.apply(dataset.load(i, decoder)));
        }
        List<List<Detection>> detected = predictor.detect(samples);
        for (int i = 0; i < samples.size(); i++) {
          List<Detection> detections = detected.get(i);
          assertThat(detections).hasSize(TINY.numQueries());
          int h = samples.get(i).target().origHeight(), w = samples.get(i).target().origWidth();
          for (Detection d : detections) {
            assertThat(new int[] {d.mask().height(), d.mask().width()}).containsExactly(h, w);
          }
          assertThat(detections.get(TINY.numQueries() - 1).mask().area())
              .as("the last query covers the image").isEqualTo((long) h * w);
          assertThat(detections.get(0).mask().area()).as("the first query, a left stripe")
              .isBetween(1L, (long) h * w / 2);
          byHand.add(samples.get(i).target().imageId(), detections);
        }
      }
      double[] expected = new CocoEvaluator(GroundTruthSet.read(val.annotations()),
          CocoParams.bbox(), 1).evaluateSegm(
              byHand.input(CocoSegmReader.groundTruthMasks(val.annotations()))).stats();
      assertThat(both.masks()).containsExactly(expected);
    }
  }
}

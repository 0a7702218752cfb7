package jdetr.train;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import jdetr.data.CocoDataset;
import jdetr.data.CocoPanopticReader;
import jdetr.data.CocoPaths;
import jdetr.data.ImageDecoder;
import jdetr.data.ImageLimits;
import jdetr.data.Sample;
import jdetr.data.transforms.ValTransform;
import jdetr.eval.CocoEvaluation;
import jdetr.eval.CocoEvaluator;
import jdetr.eval.CocoParams;
import jdetr.eval.CocoResult;
import jdetr.eval.CocoSegmReader;
import jdetr.eval.Detection;
import jdetr.eval.DetrPredictor;
import jdetr.eval.EvalResult;
import jdetr.eval.GroundTruthSet;
import jdetr.eval.ScoreThresholdMetrics;
import jdetr.eval.SegmResults;
import jdetr.eval.panoptic.PanopticEvaluation;
import jdetr.eval.panoptic.PanopticPredictor;
import jdetr.eval.panoptic.PanopticResult;
import jdetr.eval.panoptic.PqAverage;
import jdetr.mask.Rle;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrOutput;

/**
 * COCO box evaluation of a model on the val split (the reference's {@code evaluate}), inferred by
 * {@link DetrPredictor}; with a model that predicts masks, COCO mask evaluation too (the
 * reference's {@code coco_eval_masks}); on a COCO panoptic split with such a model, panoptic
 * quality too ({@link PanopticEvaluation}, the reference's {@code PQ_all}, {@code PQ_th}, {@code
 * PQ_st}).
 */
public final class ValEvaluation {

  /**
   * The 12 COCO summary numbers of the boxes and, when the model predicted masks, of the masks
   * (else null): the run log's {@code test_coco_eval_bbox} and {@code test_coco_eval_masks}; on a
   * panoptic split with such a model, the panoptic quality (else null), its {@code test_PQ_*};
   * the precision and recall at IoU 0.5 of the boxes scoring at least the evaluation's threshold
   * (else null), its {@code test_score_threshold}, {@code test_precision} and {@code
   * test_recall}.
   */
  public record Stats(double[] bbox, double[] masks, PanopticResult panoptic,
      ScoreThresholdMetrics atScore) {
    /** Box and mask numbers without panoptic quality and score-threshold monitor. */
    public Stats(double[] bbox, double[] masks) {
      this(bbox, masks, null, null);
    }

    /** The mask numbers, or an empty array ({@link jdetr.eval.EvalResult#maskStats}). */
    public double[] masksOrEmpty() {
      return masks == null ? new double[0] : masks;
    }

    /** The evaluation of the checkpoint {@code checkpoint}, saved at {@code step}. */
    public EvalResult result(String checkpoint, long step, int epoch, double seconds) {
      double[] pq = new double[0];
      if (panoptic != null) {
        pq = new double[4 * EvalResult.PANOPTIC_GROUPS.size()];
        PqAverage[] groups = {panoptic.all(), panoptic.things(), panoptic.stuff()};
        for (int g = 0; g < groups.length; g++) {
          pq[4 * g] = groups[g].pq();
          pq[4 * g + 1] = groups[g].sq();
          pq[4 * g + 2] = groups[g].rq();
          pq[4 * g + 3] = groups[g].n();
        }
      }
      return new EvalResult(checkpoint, step, epoch, bbox, seconds, "", masksOrEmpty(), pq,
          atScore == null ? new double[0] : EvalResult.atScoreOf(atScore));
    }
  }

  private final CocoDataset dataset;
  private final GroundTruthSet groundTruth;
  private final ValTransform transform;
  private final int batchSize;
  private final ImageDecoder decoder = new ImageDecoder(ImageLimits.DEFAULT);
  private final Path annotations;
  private final CocoPanopticReader.Layout panoptic;
  private final double scoreThreshold;
  private Map<Long, Rle> groundTruthMasks; // read on the first evaluation with masks

  /**
   * Evaluations that monitor the boxes the run's pictures draw (score at least {@link
   * RunFigures#PICTURE_SCORE}).
   */
  public ValEvaluation(CocoPaths paths, ValTransform transform, int batchSize) throws IOException {
    this(paths, transform, batchSize, RunFigures.PICTURE_SCORE);
  }

  /**
   * Evaluations whose {@link Stats#atScore} counts the boxes scoring at least {@code
   * scoreThreshold}.
   */
  public ValEvaluation(CocoPaths paths, ValTransform transform, int batchSize,
      double scoreThreshold) throws IOException {
    this.dataset = CocoDataset.open(paths);
    this.groundTruth = GroundTruthSet.read(paths.annotations());
    this.transform = transform;
    this.batchSize = batchSize;
    this.annotations = paths.annotations();
    this.panoptic = paths.panoptic();
    this.scoreThreshold = scoreThreshold;
  }

  public CocoDataset dataset() {
    return dataset;
  }

  /**
   * The 12 COCO summary numbers (AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl)
   * of {@code detr} on the val split, of its boxes and, when its detections carry masks, of its
   * masks, with the boxes' score-threshold monitor; stops before its next batch once {@code
   * stopped} says so.
   *
   * @throws CancellationException when it stopped
   */
  public Stats run(DetectionTransformer detr, BooleanSupplier stopped) throws IOException {
    return run(detr, null, stopped);
  }

  /**
   * Box and, when {@code predMasks} gives mask logits {@code [B, Q, h, w]} for the model's output,
   * mask evaluation (masks through {@link jdetr.eval.PostProcessSegm}, results as RLE, the ground
   * truth's segmentations as pycocotools reads them).
   *
   * @param predMasks the output's mask logits, or null to take what {@link DetrPredictor} reads
   *     by default
   * @throws CancellationException when it stopped
   */
  public Stats run(DetectionTransformer detr, Function<DetrOutput, NDArray> predMasks,
      BooleanSupplier stopped) throws IOException {
    List<CocoResult> results = new ArrayList<>();
    SegmResults segm = new SegmResults();
    boolean masks = false;
    DetrPredictor predictor = new DetrPredictor(detr, transform);
    if (predMasks != null) predictor = predictor.withPredMasks(predMasks);
    PanopticEvaluation pq = panoptic == null || !detr.config().masks() ? null
        : new PanopticEvaluation(panoptic, new PanopticPredictor(detr, transform,
            PanopticEvaluation.postProcess(panoptic, detr.config().numClasses())));
    for (int from = 0; from < dataset.size(); from += batchSize) {
      if (stopped.getAsBoolean()) {
        throw new CancellationException("evaluation stopped after " + from + " of "
            + dataset.size() + " images");
      }
      List<Sample> samples = new ArrayList<>();
      for (int i = from; i < Math.min(dataset.size(), from + batchSize); i++) {
        samples.add(transform.apply(dataset.load(i, decoder)));
      }
      List<List<Detection>> detections = pq == null ? predictor.detect(samples)
          : predictor.withPredMasks(panopticToo(pq, samples, predMasks)).detect(samples);
      for (int i = 0; i < detections.size(); i++) {
        long id = samples.get(i).target().imageId();
        for (Detection d : detections.get(i)) {
          results.add(CocoResult.of(id, d));
        }
        if (!detections.get(i).isEmpty() && detections.get(i).get(0).mask() != null) {
          segm.add(id, detections.get(i));
          masks = true;
        }
      }
    }
    CocoEvaluator evaluator = new CocoEvaluator(groundTruth, CocoParams.bbox(),
        Math.max(1, Runtime.getRuntime().availableProcessors()));
    CocoEvaluation boxes = evaluator.evaluate(results);
    double[] bbox = boxes.stats();
    return new Stats(bbox, masks ? evaluator.evaluateSegm(segm.input(groundTruthMasks())).stats()
        : null, pq == null ? null : pq.finish(Runtime.getRuntime().availableProcessors()),
        boxes.atScore(scoreThreshold));
  }

  /**
   * The mask logits {@code predMasks} reads (the output's own by default), after the output went
   * through the panoptic post-processing too: one forward pass serves both, as in the reference.
   */
  private static Function<DetrOutput, NDArray> panopticToo(PanopticEvaluation pq,
      List<Sample> samples, Function<DetrOutput, NDArray> predMasks) {
    return out -> {
      try {
        pq.add(out, samples);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return predMasks == null ? out.predMasks() : predMasks.apply(out);
    };
  }

  private Map<Long, Rle> groundTruthMasks() throws IOException {
    if (groundTruthMasks == null) groundTruthMasks = CocoSegmReader.groundTruthMasks(annotations);
    return groundTruthMasks;
  }
}

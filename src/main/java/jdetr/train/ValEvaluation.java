package jdetr.train;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import jdetr.data.CocoDataset;
import jdetr.data.CocoPaths;
import jdetr.data.ImageDecoder;
import jdetr.data.ImageLimits;
import jdetr.data.Sample;
import jdetr.data.transforms.ValTransform;
import jdetr.eval.CocoEvaluation;
import jdetr.eval.CocoEvaluator;
import jdetr.eval.CocoParams;
import jdetr.eval.CocoResult;
import jdetr.eval.Detection;
import jdetr.eval.DetrPredictor;
import jdetr.eval.GroundTruthSet;
import jdetr.model.DetectionTransformer;

/**
 * COCO box evaluation of a model on the val split (the reference's {@code evaluate}), inferred by
 * {@link DetrPredictor}.
 */
public final class ValEvaluation {

  private final CocoDataset dataset;
  private final GroundTruthSet groundTruth;
  private final ValTransform transform;
  private final int batchSize;
  private final ImageDecoder decoder = new ImageDecoder(ImageLimits.DEFAULT);

  public ValEvaluation(CocoPaths paths, ValTransform transform, int batchSize) throws IOException {
    this.dataset = CocoDataset.open(paths);
    this.groundTruth = GroundTruthSet.read(paths.annotations());
    this.transform = transform;
    this.batchSize = batchSize;
  }

  public CocoDataset dataset() {
    return dataset;
  }

  /**
   * The 12 COCO summary numbers (AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl)
   * of {@code detr} on the val split; stops before its next batch once {@code stopped} says so.
   *
   * @throws CancellationException when it stopped
   */
  public double[] run(DetectionTransformer detr, BooleanSupplier stopped) throws IOException {
    List<CocoResult> results = new ArrayList<>();
    DetrPredictor predictor = new DetrPredictor(detr, transform);
    for (int from = 0; from < dataset.size(); from += batchSize) {
      if (stopped.getAsBoolean()) {
        throw new CancellationException("evaluation stopped after " + from + " of "
            + dataset.size() + " images");
      }
      List<Sample> samples = new ArrayList<>();
      for (int i = from; i < Math.min(dataset.size(), from + batchSize); i++) {
        samples.add(transform.apply(dataset.load(i, decoder)));
      }
      List<List<Detection>> detections = predictor.detect(samples);
      for (int i = 0; i < detections.size(); i++) {
        long id = samples.get(i).target().imageId();
        for (Detection d : detections.get(i)) {
          results.add(CocoResult.of(id, d));
        }
      }
    }
    CocoEvaluation eval = new CocoEvaluator(groundTruth, CocoParams.bbox(),
        Math.max(1, Runtime.getRuntime().availableProcessors())).evaluate(results);
    return eval.stats();
  }
}

package jdetr.eval.panoptic;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import jdetr.data.CocoPanopticReader;
import jdetr.data.PanopticAnnotationFile;
import jdetr.data.Sample;
import jdetr.data.Target;
import jdetr.model.DetrOutput;

/**
 * The panoptic part of an evaluation during training (the reference's {@code PanopticEvaluator}):
 * each batch's outputs through {@link PostProcessPanoptic} (threshold 0.85, things and stuff from
 * the ground truth's categories) at the images' original sizes, written as COCO panoptic results
 * into a scratch folder, then {@link PanopticQuality} against the split's ground truth. One
 * evaluation per instance; the folder is deleted by {@link #finish}.
 */
public final class PanopticEvaluation {
  private final CocoPanopticReader.Layout groundTruth;
  private final PanopticPredictor predictor;
  private final Path folder;
  private final PanopticPredictionsWriter writer;

  /**
   * @param groundTruth the val split
   * @param predictor post-processes the model's outputs (its model and transform are those of the
   *     evaluation)
   */
  public PanopticEvaluation(CocoPanopticReader.Layout groundTruth, PanopticPredictor predictor)
      throws IOException {
    this.groundTruth = groundTruth;
    this.predictor = predictor;
    this.folder = Files.createTempDirectory("jdetr-panoptic-eval");
    this.writer = new PanopticPredictionsWriter(folder);
  }

  /** The post-processing of a model with {@code numClasses} classes for {@code groundTruth}. */
  public static PostProcessPanoptic postProcess(CocoPanopticReader.Layout groundTruth,
      int numClasses) throws IOException {
    List<PanopticAnnotationFile.Category> categories =
        PanopticAnnotationFile.read(groundTruth.annotations(), true).categories();
    return new PostProcessPanoptic(PanopticPredictor.isThingMap(numClasses, categories),
        PostProcessPanoptic.DEFAULT_THRESHOLD);
  }

  /**
   * Adds one batch: {@code out} is the model's output on {@code samples} (through the val
   * transform, in order).
   */
  public void add(DetrOutput out, List<Sample> samples) throws IOException {
    int[][] processed = new int[samples.size()][], original = new int[samples.size()][];
    for (int i = 0; i < samples.size(); i++) {
      Target t = samples.get(i).target();
      processed[i] = new int[] {t.height(), t.width()};
      original[i] = new int[] {t.origHeight(), t.origWidth()};
    }
    List<PostProcessPanoptic.Prediction> predictions =
        predictor.postProcess(out, processed, original);
    for (int i = 0; i < samples.size(); i++) {
      writer.add(samples.get(i).target().imageId(), predictions.get(i));
    }
  }

  /** PQ of what was added against the ground truth; deletes the scratch folder. */
  public PanopticResult finish(int threads) throws IOException {
    try {
      Path json = writer.finish();
      return PanopticQuality.compute(groundTruth.annotations(), groundTruth.segmentations(), json,
          folder, threads);
    } finally {
      try (Stream<Path> files = Files.walk(folder)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}

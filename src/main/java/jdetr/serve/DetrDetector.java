package jdetr.serve;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import jdetr.checkpoint.ModelWeights;
import jdetr.checkpoint.OfficialCheckpoint;
import jdetr.data.RgbImage;
import jdetr.data.Sample;
import jdetr.data.transforms.AugmentationConfig;
import jdetr.data.transforms.ValTransform;
import jdetr.eval.Detection;
import jdetr.eval.DetrPredictor;
import jdetr.model.DetrConfig;

/**
 * A DETR model as the server's detector: jdetr weights (a directory with model.safetensors and
 * model.json) or an official .pth, run as the reference evaluates ({@link DetrPredictor}: val
 * transform with the configured input size, padding, no autograd, PostProcess to pixels of each
 * frame). Labels are category ids; class names come from the weights. {@link #prepare} is the val
 * transform (pure Java, any thread); {@link #detect} pads, runs the model and post-processes.
 */
public final class DetrDetector implements Detector<DetrDetector.Input> {

  /**
   * A frame through the val transform.
   *
   * @param sample the resized, normalised pixels
   * @param height the frame's height as decoded (boxes come back in its pixels)
   * @param width the frame's width as decoded
   */
  public record Input(Sample sample, int height, int width) {}

  private final NDManager manager;
  private final DetrPredictor predictor;
  private final List<String> classNames;
  private final String description;

  private DetrDetector(NDManager manager, DetrPredictor predictor, String description) {
    this.manager = manager;
    this.predictor = predictor;
    this.classNames = byLabel(predictor.categories());
    this.description = description;
  }

  /**
   * Loads weights on the calling thread (the detector thread).
   *
   * @param pthBase architecture settings a .pth does not record (heads, dilation)
   */
  public static DetrDetector load(Path weights, ServeConfig config, DetrConfig pthBase) throws IOException {
    NDManager manager = NDManager.newBaseManager("PyTorch");
    try {
      ModelWeights.Loaded loaded = Files.isDirectory(weights)
          ? ModelWeights.load(weights, manager)
          : OfficialCheckpoint.load(weights, pthBase, manager);
      AugmentationConfig d = AugmentationConfig.DETR;
      AugmentationConfig val = new AugmentationConfig(d.scales(), config.maxInputSize(), d.cropResizeSizes(),
          d.cropMinSize(), d.cropMaxSize(), d.flipProbability(), d.resizeOnlyProbability(), config.inputSize(),
          d.mean(), d.std());
      DetrPredictor predictor = new DetrPredictor(loaded.detr(), loaded.categories(), new ValTransform(val));
      return new DetrDetector(manager, predictor, "detr " + weights.getFileName() + " (input " + config.inputSize()
          + ", max " + config.maxInputSize() + ", " + loaded.categories().size() + " categories)");
    } catch (IOException | RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  @Override
  public List<String> classNames() {
    return classNames;
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public Input prepare(RgbImage frame) {
    return new Input(predictor.transform(frame), frame.height(), frame.width());
  }

  @Override
  public List<List<Detection>> detect(List<Input> frames) {
    List<Sample> samples = new ArrayList<>(frames.size());
    int[] heights = new int[frames.size()];
    int[] widths = new int[frames.size()];
    for (int i = 0; i < frames.size(); i++) {
      samples.add(frames.get(i).sample());
      heights[i] = frames.get(i).height();
      widths[i] = frames.get(i).width();
    }
    return predictor.predictTransformed(samples, heights, widths).detections();
  }

  @Override
  public void close() {
    manager.close();
  }

  /** Names indexed by category id; ids without a category are "N/A" (as in DETR's COCO list). */
  static List<String> byLabel(SortedMap<Integer, String> categories) {
    int size = categories.isEmpty() ? 0 : Math.max(0, categories.lastKey() + 1);
    List<String> names = new ArrayList<>(Collections.nCopies(size, "N/A"));
    categories.forEach((id, name) -> {
      if (id >= 0) {
        names.set(id, name);
      }
    });
    return List.copyOf(names);
  }
}

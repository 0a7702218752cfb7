package jdetr.serve;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import jdetr.checkpoint.DetrWeights;
import jdetr.data.RgbImage;
import jdetr.data.Sample;
import jdetr.data.transforms.AugmentationConfig;
import jdetr.data.transforms.ValTransform;
import jdetr.eval.Detection;
import jdetr.engine.DeviceSpec;
import jdetr.engine.Precision;
import jdetr.eval.DetrPredictor;
import jdetr.model.DetrConfig;
import jdetr.model.InferenceCast;

/**
 * A DETR model as the server's detector: jdetr weights (a directory with model.safetensors and
 * model.json) or an official .pth ({@link DetrWeights}), run as the reference evaluates
 * ({@link DetrPredictor}: val transform with the configured input size, padding, no autograd,
 * PostProcess to pixels of each frame). Labels are category ids; class names come from the weights.
 * {@link #prepare} is the val transform (pure Java, any thread; the sample's target keeps the
 * frame's size); {@link #detect} pads, runs the model and post-processes.
 */
public final class DetrDetector implements Detector<Sample> {

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

  /** {@link #load(Path, ServeConfig, DetrConfig, DeviceSpec, Precision)} on the CPU in fp32. */
  public static DetrDetector load(Path weights, ServeConfig config, DetrConfig pthBase) throws IOException {
    return load(weights, config, pthBase, DeviceSpec.CPU, Precision.FP32);
  }

  /**
   * Loads weights on the calling thread (the detector thread).
   *
   * @param pthBase architecture settings a .pth does not record (heads, dilation)
   * @param device where the model and the frames' tensors live
   * @param precision fp32, or bf16 ({@link InferenceCast}; post-processing stays fp32)
   */
  public static DetrDetector load(Path weights, ServeConfig config, DetrConfig pthBase, DeviceSpec device,
      Precision precision) throws IOException {
    NDManager manager = device.newManager();
    try {
      DetrWeights.Loaded loaded = DetrWeights.load(weights, pthBase, manager);
      InferenceCast.apply(loaded.detr(), precision.dataType());
      ValTransform val = new ValTransform(AugmentationConfig.detrVal(config.inputSize(), config.maxInputSize()));
      DetrPredictor predictor = new DetrPredictor(loaded.detr(), loaded.categories(), val);
      return new DetrDetector(manager, predictor, "detr " + weights.getFileName() + " (input " + config.inputSize()
          + ", max " + config.maxInputSize() + ", " + loaded.categories().size() + " categories, " + device
          + ", " + precision + ")");
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
  public Sample prepare(RgbImage frame) {
    return predictor.transform(frame);
  }

  @Override
  public List<List<Detection>> detect(List<Sample> frames) {
    return predictor.detect(frames);
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

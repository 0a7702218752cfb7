package jdetr.serve;

import ai.djl.ndarray.NDManager;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
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
import jdetr.data.transforms.AugmentationConfig;
import jdetr.data.transforms.ValTransform;
import jdetr.eval.Detection;
import jdetr.eval.DetrPredictor;
import jdetr.model.DetrConfig;

/**
 * A DETR model as the server's detector: jdetr weights (a directory with model.safetensors and
 * model.json) or an official .pth, run as the reference evaluates ({@link DetrPredictor}: val
 * transform with the configured input size, padding, no autograd, PostProcess to pixels of each
 * frame). Labels are category ids; class names come from the weights.
 */
public final class DetrDetector implements Detector {

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
  public List<List<Detection>> detect(List<BufferedImage> images) {
    List<RgbImage> rgb = new ArrayList<>(images.size());
    for (BufferedImage image : images) {
      rgb.add(toRgb(image));
    }
    return predictor.predict(rgb).detections();
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

  /** {@link BufferedImage#TYPE_INT_RGB} pixels as interleaved 8-bit RGB. */
  static RgbImage toRgb(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    int[] argb = image.getType() == BufferedImage.TYPE_INT_RGB
        ? ((DataBufferInt) image.getRaster().getDataBuffer()).getData()
        : image.getRGB(0, 0, w, h, null, 0, w);
    byte[] px = new byte[3 * w * h];
    for (int i = 0; i < w * h; i++) {
      int p = argb[i];
      px[3 * i] = (byte) (p >> 16);
      px[3 * i + 1] = (byte) (p >> 8);
      px[3 * i + 2] = (byte) p;
    }
    return new RgbImage(w, h, px);
  }
}

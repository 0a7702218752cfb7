package jdetr.eval;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import jdetr.data.Batch;
import jdetr.data.Collate;
import jdetr.data.Example;
import jdetr.data.PixelTarget;
import jdetr.data.RgbImage;
import jdetr.data.Sample;
import jdetr.data.transforms.ValTransform;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrOutput;
import jdetr.model.ModelInput;
import jdetr.model.NoGrad;

/**
 * Inference as the reference evaluates: the val transform (short side resized, ImageNet
 * normalisation), padding to a batch, the model in eval mode without autograd, and
 * {@link PostProcess} back to pixels of each original image. Runs on the caller's thread; one
 * instance is used by one thread at a time.
 */
public final class DetrPredictor {

  /** The raw outputs of one batch, copied off the device. */
  public record Raw(
      int layers, int batch, int queries, int logitDim, float[] logits, float[] boxes,
      int[] inputHeights, int[] inputWidths) {}

  /** Detections per image, and the raw outputs they came from. */
  public record Prediction(List<List<Detection>> detections, Raw raw) {}

  private final DetectionTransformer detr;
  private final SortedMap<Integer, String> categories;
  private final ValTransform transform;
  private final PostProcess postProcess;

  public DetrPredictor(DetectionTransformer detr, SortedMap<Integer, String> categories, ValTransform transform) {
    this.detr = detr;
    this.postProcess = new PostProcess(detr.config().classLoss());
    this.categories = categories;
    this.transform = transform;
  }

  public SortedMap<Integer, String> categories() {
    return categories;
  }

  /** The name of a label, or "class N" for an id without one. */
  public String name(int label) {
    return categories.getOrDefault(label, "class " + label);
  }

  /** Detects objects in each image; every query's detection is returned (no threshold). */
  public Prediction predict(List<RgbImage> images) {
    List<Sample> samples = new ArrayList<>(images.size());
    for (RgbImage image : images) {
      samples.add(transform(image));
    }
    int[] origHeights = images.stream().mapToInt(RgbImage::height).toArray();
    int[] origWidths = images.stream().mapToInt(RgbImage::width).toArray();
    return predictTransformed(samples, origHeights, origWidths);
  }

  /** The val transform of one image; uses no model state, so any thread may call it. */
  public Sample transform(RgbImage image) {
    int h = image.height();
    int w = image.width();
    PixelTarget none = new PixelTarget(-1, new int[0], new float[0], new float[0], new boolean[0], h, w, h, w);
    return transform.apply(new Example(image, none));
  }

  /**
   * Detects objects in images already through {@link #transform}; boxes come back in pixels of
   * the images before the transform, whose sizes are given.
   */
  public Prediction predictTransformed(List<Sample> samples, int[] origHeights, int[] origWidths) {
    Batch batch = Collate.of(samples);
    NDManager model = detr.getParameters().valueAt(0).getArray().getManager();
    try (NDManager scope = model.newSubManager(); NoGrad g = NoGrad.enter()) {
      ModelInput input = ModelInput.of(batch, scope);
      DetrOutput out = detr.forward(input.images(), input.mask(), false);
      long[] s = out.logits().getShape().getShape(); // [L, B, Q, K]
      Raw raw = new Raw((int) s[0], (int) s[1], (int) s[2], (int) s[3],
          out.logits().toFloatArray(), out.boxes().toFloatArray(),
          batch.imageHeights().clone(), batch.imageWidths().clone());
      PostProcess.Result result = postProcess.apply(out.predLogits(), out.predBoxes(), origHeights, origWidths);
      return new Prediction(result.detections(), raw);
    }
  }
}

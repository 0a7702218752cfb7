package jdetr.eval.panoptic;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdetr.data.Batch;
import jdetr.data.Collate;
import jdetr.data.Example;
import jdetr.data.PanopticAnnotationFile.Category;
import jdetr.data.PixelTarget;
import jdetr.data.RgbImage;
import jdetr.data.Sample;
import jdetr.data.Target;
import jdetr.data.transforms.ValTransform;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrOutput;
import jdetr.model.ModelInput;
import jdetr.model.NoGrad;

/**
 * Panoptic inference as the reference evaluates {@code coco_panoptic}: the val transform, padding
 * to a batch, DETRsegm in eval mode without autograd, then {@link PostProcessPanoptic} on the last
 * layer's {@code pred_logits} and {@code pred_masks}, with each image's size after the transform
 * as the processed size and its original size as the target size. Runs on the caller's thread.
 */
public final class PanopticPredictor {
  /** The reference's class count for COCO panoptic (ids up to 200, 250 logits before no-object). */
  public static final int COCO_PANOPTIC_CLASSES = 250;

  private final DetectionTransformer detr;
  private final ValTransform transform;
  private final PostProcessPanoptic postProcess;

  /** @param detr a model with masks ({@code DetrConfig.masks}) */
  public PanopticPredictor(DetectionTransformer detr, ValTransform transform,
      PostProcessPanoptic postProcess) {
    if (!detr.config().masks()) {
      throw new IllegalArgumentException("panoptic prediction needs a model with a mask head"
          + " (DETRsegm: model.masks, or weights with bbox_attention.* and mask_head.*)");
    }
    this.detr = detr;
    this.transform = transform;
    this.postProcess = postProcess;
  }

  /**
   * The is-thing map for a model of {@code numClasses} classes: from {@code categories}'
   * {@code isthing} when given (a COCO panoptic JSON's categories); else, for the reference's 250
   * COCO panoptic classes, {@link PostProcessPanoptic#cocoIsThingMap()}; else refused, since which
   * classes are stuff cannot be guessed.
   */
  public static Map<Integer, Boolean> isThingMap(int numClasses, List<Category> categories) {
    if (!categories.isEmpty()) {
      Map<Integer, Boolean> m = new HashMap<>();
      for (Category c : categories) {
        if (c.id() < 0 || c.id() >= numClasses) {
          throw new IllegalArgumentException("category " + c.id() + (c.name() == null ? ""
              : " (" + c.name() + ")") + " is not one of the model's classes 0.."
              + (numClasses - 1));
        }
        m.put(c.id(), c.isThing());
      }
      return m;
    }
    if (numClasses == COCO_PANOPTIC_CLASSES) {
      return PostProcessPanoptic.cocoIsThingMap();
    }
    throw new IllegalArgumentException("the weights have " + numClasses + " classes, not COCO"
        + " panoptic's " + COCO_PANOPTIC_CLASSES + ": give the categories with isthing (a COCO"
        + " panoptic JSON) to tell things from stuff");
  }

  /** Each image's panoptic segmentation, at its original size. */
  public List<PostProcessPanoptic.Prediction> predict(List<RgbImage> images) {
    List<Sample> samples = new ArrayList<>(images.size());
    for (RgbImage image : images) {
      int h = image.height(), w = image.width();
      PixelTarget none = new PixelTarget(-1, new int[0], new float[0], new float[0],
          new boolean[0], h, w, h, w);
      samples.add(transform.apply(new Example(image, none)));
    }
    Batch batch = Collate.of(samples);
    NDManager model = detr.getParameters().valueAt(0).getArray().getManager();
    try (NDManager scope = model.newSubManager(); NoGrad g = NoGrad.enter()) {
      ModelInput input = ModelInput.of(batch, scope);
      DetrOutput out = detr.forward(input.images(), input.mask(), false);
      int[][] processed = new int[batch.size()][];
      int[][] target = new int[batch.size()][];
      for (int i = 0; i < batch.size(); i++) {
        Target t = batch.targets().get(i);
        processed[i] = new int[] {batch.imageHeights()[i], batch.imageWidths()[i]};
        target[i] = new int[] {t.origHeight(), t.origWidth()};
      }
      return postProcess(out, processed, target);
    }
  }

  /**
   * {@link PostProcessPanoptic} on a model output: its last layer's {@code pred_logits}
   * [B, Q, K+1] and {@code pred_masks} [B, Q, h, w], copied off the device.
   *
   * @param processedSizes [B][2] (height, width) of each image as the model saw it, unpadded
   * @param targetSizes [B][2] (height, width) of each result
   */
  public List<PostProcessPanoptic.Prediction> postProcess(DetrOutput out, int[][] processedSizes,
      int[][] targetSizes) {
    if (!out.hasMasks()) {
      throw new IllegalArgumentException("the model output has no pred_masks");
    }
    NDArray logits = out.predLogits();
    long[] ls = logits.getShape().getShape(); // [B, Q, K+1]
    long[] ms = out.predMasks().getShape().getShape(); // [B, Q, h, w]
    if (ls.length != 3 || ms.length != 4 || ls[0] != ms[0] || ls[1] != ms[1]) {
      throw new IllegalArgumentException("pred_logits " + logits.getShape() + " and pred_masks "
          + out.predMasks().getShape() + " do not agree on [B, Q]");
    }
    return postProcess.apply(logits.toFloatArray(), out.predMasks().toFloatArray(), (int) ls[0],
        (int) ls[1], (int) ls[2], (int) ms[2], (int) ms[3], processedSizes, targetSizes);
  }
}

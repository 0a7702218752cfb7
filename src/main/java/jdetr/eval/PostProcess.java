package jdetr.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.ArrayList;
import java.util.List;
import jdetr.box.BoxOps;
import jdetr.data.Target;
import jdetr.loss.ClassLoss;

/**
 * Turns the last decoder layer's output into detections in pixels of the original images, as the
 * reference {@code PostProcess} does for COCO evaluation (no score threshold):
 *
 * <ul>
 *   <li>{@link ClassLoss#SOFTMAX_CE} (DETR): softmax over the C+1 logits; every query gives one
 *       detection whose label and score are the arg-max and max over the C real classes (the
 *       no-object probability is left out);
 *   <li>{@link ClassLoss#SIGMOID_FOCAL} (Deformable DETR): sigmoid over the C logits, the top-k
 *       (default 100) of the flattened Q x C scores per image; label = index % C, box of query index
 *       / C, so one query can give several detections with different labels. When Q x C is smaller
 *       than k, all Q x C pairs are returned.
 * </ul>
 *
 * Boxes are converted from normalised cxcywh to xyxy and scaled by (w, h, w, h) of the original
 * image.
 */
public final class PostProcess {

  /** Deformable DETR's number of detections per image. */
  public static final int DEFAULT_TOP_K = 100;

  private final ClassLoss classLoss;
  private final int topK;

  public PostProcess(ClassLoss classLoss) {
    this(classLoss, DEFAULT_TOP_K);
  }

  /**
   * @param classLoss how the class head was trained
   * @param topK detections per image for the sigmoid variant (ignored for softmax: all Q queries)
   */
  public PostProcess(ClassLoss classLoss, int topK) {
    if (topK < 1) {
      throw new IllegalArgumentException("topK must be >= 1, got " + topK);
    }
    this.classLoss = classLoss;
    this.topK = topK;
  }

  /**
   * Detections of a batch as flat arrays, N per image.
   *
   * @param batch B
   * @param perImage N
   * @param scores [B * N]
   * @param labels [B * N] class indices (raw category ids)
   * @param boxes [B * N * 4] xyxy in pixels of the original image
   */
  public record Result(int batch, int perImage, float[] scores, int[] labels, float[] boxes) {

    /** The detections of every image, in the order of the arrays. */
    public List<List<Detection>> detections() {
      List<List<Detection>> out = new ArrayList<>(batch);
      for (int i = 0; i < batch; i++) {
        List<Detection> image = new ArrayList<>(perImage);
        for (int j = i * perImage; j < (i + 1) * perImage; j++) {
          image.add(
              new Detection(
                  labels[j], scores[j], boxes[4 * j], boxes[4 * j + 1], boxes[4 * j + 2], boxes[4 * j + 3]));
        }
        out.add(image);
      }
      return out;
    }
  }

  /** As {@link #apply(NDArray, NDArray, int[], int[])} with the original sizes of the targets. */
  public Result apply(NDArray logits, NDArray boxes, List<Target> targets) {
    int[] heights = targets.stream().mapToInt(Target::origHeight).toArray();
    int[] widths = targets.stream().mapToInt(Target::origWidth).toArray();
    return apply(logits, boxes, heights, widths);
  }

  /**
   * @param logits [B, Q, C+1] (softmax) or [B, Q, C] (sigmoid) of the last decoder layer
   * @param boxes [B, Q, 4] normalised cxcywh
   * @param origHeights [B] original image heights in pixels
   * @param origWidths [B] original image widths in pixels
   */
  public Result apply(NDArray logits, NDArray boxes, int[] origHeights, int[] origWidths) {
    Shape s = logits.getShape();
    if (s.dimension() != 3 || !boxes.getShape().equals(new Shape(s.get(0), s.get(1), 4))) {
      throw new IllegalArgumentException(
          "logits [B, Q, K] and boxes [B, Q, 4] expected, got " + s + " and " + boxes.getShape());
    }
    int b = (int) s.get(0);
    int q = (int) s.get(1);
    int k = (int) s.get(2);
    if (origHeights.length != b || origWidths.length != b) {
      throw new IllegalArgumentException(
          b + " images but " + origHeights.length + " heights and " + origWidths.length + " widths");
    }
    try (NDManager scope = logits.getManager().newSubManager()) {
      scope.tempAttachAll(logits, boxes);
      float[] xyxy = BoxOps.cxcywhToXyxy(boxes.stopGradient()).toFloatArray(); // [B, Q, 4]
      if (classLoss == ClassLoss.SOFTMAX_CE) {
        NDArray real = logits.stopGradient().softmax(2).get(":, :, :-1"); // [B, Q, C]
        float[] scores = real.max(new int[] {2}, false).toFloatArray(); // [B, Q]
        int[] labels = toInt(real.argMax(2).toLongArray());
        int[] query = new int[b * q];
        for (int i = 0; i < query.length; i++) {
          query[i] = i % q;
        }
        return new Result(b, q, scores, labels, scaled(xyxy, query, b, q, q, origHeights, origWidths));
      }
      int n = Math.min(topK, q * k);
      NDArray prob = Activation.sigmoid(logits.stopGradient()).reshape(b, (long) q * k); // [B, Q * C]
      NDList top = prob.topK(n, 1, true, true);
      float[] scores = top.get(0).toFloatArray(); // [B, n]
      long[] index = top.get(1).toLongArray(); // [B, n] into Q * C
      int[] labels = new int[b * n];
      int[] query = new int[b * n];
      for (int i = 0; i < index.length; i++) {
        labels[i] = (int) (index[i] % k);
        query[i] = (int) (index[i] / k);
      }
      return new Result(b, n, scores, labels, scaled(xyxy, query, b, q, n, origHeights, origWidths));
    }
  }

  /** Boxes of the given queries (per image), scaled to pixels: [B * n * 4]. */
  private static float[] scaled(
      float[] xyxy, int[] query, int b, int q, int n, int[] heights, int[] widths) {
    float[] out = new float[b * n * 4];
    for (int i = 0; i < b; i++) {
      float w = widths[i];
      float h = heights[i];
      for (int j = 0; j < n; j++) {
        int src = 4 * (i * q + query[i * n + j]);
        int dst = 4 * (i * n + j);
        out[dst] = xyxy[src] * w;
        out[dst + 1] = xyxy[src + 1] * h;
        out[dst + 2] = xyxy[src + 2] * w;
        out[dst + 3] = xyxy[src + 3] * h;
      }
    }
    return out;
  }

  private static int[] toInt(long[] v) {
    int[] out = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (int) v[i];
    }
    return out;
  }
}

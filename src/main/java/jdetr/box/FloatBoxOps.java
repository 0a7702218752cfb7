package jdetr.box;

/**
 * Box operations on plain float arrays, row-major {@code [N, 4]}: cxcywh &lt;-&gt; xyxy, area,
 * pairwise IoU and generalized IoU (Rezatofighi et al., CVPR 2019). They follow DETR's
 * {@code util/box_ops.py} operation by operation in float32, so on valid boxes they give the values
 * the reference computes; the CPU matcher uses them.
 *
 * <p>Degenerate boxes. The reference asserts {@code x1 >= x0, y1 >= y0} and returns NaN when both
 * boxes of a pair have zero area. Here:
 *
 * <ul>
 *   <li>a box with {@code x1 < x0} or {@code y1 < y0} has a zero width or height, hence zero area
 *       ({@link #area} clamps each side at 0); its intersection with anything is 0;
 *   <li>IoU is 0 when the union area is 0 (both boxes have zero area);
 *   <li>the GIoU penalty {@code (C - U) / C} is 0 when the enclosing area {@code C} is 0, which
 *       happens only when the union is 0 too, so GIoU is then 0.
 * </ul>
 *
 * So every result is finite for finite coordinates, IoU stays in [0, 1] and GIoU in [-1, 1], and
 * wherever the reference gives a number we give the same number. NaN coordinates propagate (the
 * assignment solver then rejects the cost naming its cell).
 */
public final class FloatBoxOps {

  private FloatBoxOps() {}

  /** {@code [N, 4]} (cx, cy, w, h) to {@code [N, 4]} (x0, y0, x1, y1). */
  public static float[] cxcywhToXyxy(float[] boxes) {
    float[] out = new float[checkBoxes(boxes, "boxes")];
    for (int k = 0; k < out.length; k += 4) {
      float cx = boxes[k];
      float cy = boxes[k + 1];
      float w = boxes[k + 2];
      float h = boxes[k + 3];
      out[k] = cx - 0.5f * w;
      out[k + 1] = cy - 0.5f * h;
      out[k + 2] = cx + 0.5f * w;
      out[k + 3] = cy + 0.5f * h;
    }
    return out;
  }

  /** {@code [N, 4]} (x0, y0, x1, y1) to {@code [N, 4]} (cx, cy, w, h). */
  public static float[] xyxyToCxcywh(float[] boxes) {
    float[] out = new float[checkBoxes(boxes, "boxes")];
    for (int k = 0; k < out.length; k += 4) {
      float x0 = boxes[k];
      float y0 = boxes[k + 1];
      float x1 = boxes[k + 2];
      float y1 = boxes[k + 3];
      out[k] = (x0 + x1) / 2;
      out[k + 1] = (y0 + y1) / 2;
      out[k + 2] = x1 - x0;
      out[k + 3] = y1 - y0;
    }
    return out;
  }

  /** {@code [N]} areas of {@code [N, 4]} xyxy boxes; a negative side counts as 0. */
  public static float[] area(float[] xyxy) {
    float[] out = new float[checkBoxes(xyxy, "boxes") / 4];
    for (int n = 0; n < out.length; n++) {
      int k = 4 * n;
      out[n] = area(xyxy[k], xyxy[k + 1], xyxy[k + 2], xyxy[k + 3]);
    }
    return out;
  }

  /** Area of one xyxy box; a negative side counts as 0. */
  public static float area(float x0, float y0, float x1, float y1) {
    return Math.max(x1 - x0, 0f) * Math.max(y1 - y0, 0f);
  }

  /** Pairwise IoU, row-major {@code [N, M]}, of xyxy boxes {@code a [N, 4]} and {@code b [M, 4]}. */
  public static float[] iou(float[] a, float[] b) {
    int n = checkBoxes(a, "a") / 4;
    int m = checkBoxes(b, "b") / 4;
    float[] out = new float[n * m];
    for (int i = 0; i < n; i++) {
      int p = 4 * i;
      for (int j = 0; j < m; j++) {
        int q = 4 * j;
        out[i * m + j] = iou(a[p], a[p + 1], a[p + 2], a[p + 3], b[q], b[q + 1], b[q + 2], b[q + 3]);
      }
    }
    return out;
  }

  /**
   * Pairwise generalized IoU, row-major {@code [N, M]}, of xyxy boxes {@code a [N, 4]} and
   * {@code b [M, 4]}.
   */
  public static float[] generalizedIou(float[] a, float[] b) {
    int n = checkBoxes(a, "a") / 4;
    int m = checkBoxes(b, "b") / 4;
    float[] out = new float[n * m];
    for (int i = 0; i < n; i++) {
      int p = 4 * i;
      for (int j = 0; j < m; j++) {
        int q = 4 * j;
        out[i * m + j] =
            generalizedIou(a[p], a[p + 1], a[p + 2], a[p + 3], b[q], b[q + 1], b[q + 2], b[q + 3]);
      }
    }
    return out;
  }

  /** IoU of two xyxy boxes; 0 when both have zero area. */
  public static float iou(float ax0, float ay0, float ax1, float ay1,
      float bx0, float by0, float bx1, float by1) {
    float inter = Math.max(Math.min(ax1, bx1) - Math.max(ax0, bx0), 0f)
        * Math.max(Math.min(ay1, by1) - Math.max(ay0, by0), 0f);
    float union = area(ax0, ay0, ax1, ay1) + area(bx0, by0, bx1, by1) - inter;
    return union > 0f ? inter / union : 0f;
  }

  /** Generalized IoU of two xyxy boxes; 0 when both have zero area. */
  public static float generalizedIou(float ax0, float ay0, float ax1, float ay1,
      float bx0, float by0, float bx1, float by1) {
    float inter = Math.max(Math.min(ax1, bx1) - Math.max(ax0, bx0), 0f)
        * Math.max(Math.min(ay1, by1) - Math.max(ay0, by0), 0f);
    float union = area(ax0, ay0, ax1, ay1) + area(bx0, by0, bx1, by1) - inter;
    float iou = union > 0f ? inter / union : 0f;
    float enclosing = Math.max(Math.max(ax1, bx1) - Math.min(ax0, bx0), 0f)
        * Math.max(Math.max(ay1, by1) - Math.min(ay0, by0), 0f);
    return enclosing > 0f ? iou - (enclosing - union) / enclosing : iou;
  }

  private static int checkBoxes(float[] boxes, String name) {
    if (boxes.length % 4 != 0) {
      throw new IllegalArgumentException(
          name + " has " + boxes.length + " values, not a multiple of 4 ([N, 4] boxes)");
    }
    return boxes.length;
  }
}

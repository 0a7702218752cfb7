package jdetr.box;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import jdetr.autograd.GraphSafe;

/**
 * Box conversions, areas, IoU and generalized IoU on NDArrays. Every operation is differentiable
 * and keeps the arithmetic order of DETR's {@code util/box_ops.py}, so values and gradients agree
 * with the reference to float rounding.
 *
 * <p>Boxes are {@code [..., 4]}: {@code (cx, cy, w, h)} or {@code (x0, y0, x1, y1)}.
 *
 * <p><b>Degenerate boxes.</b> The reference asserts that every box has {@code x1 >= x0} and
 * {@code y1 >= y0} and otherwise divides freely, so two zero-area boxes give {@code 0 / 0 = NaN}.
 * Here:
 *
 * <ul>
 *   <li>an inverted box ({@code x1 < x0} or {@code y1 < y0}) given to an IoU function is rejected
 *       with an {@link IllegalArgumentException} naming the argument, the row and its coordinates;
 *   <li>zero-width or zero-height boxes (points and lines, e.g. a sigmoid that underflowed) are
 *       valid: the union and the enclosing area are floored at {@link #MIN_AREA}, so IoU and GIoU
 *       stay finite and so do their gradients (the floored quantities carry no gradient). Two boxes
 *       with an empty union (e.g. two equal points) have IoU 0 and GIoU 0; two distinct points
 *       have IoU 0 and GIoU close to -1. The floor changes nothing for a pair whose union is larger
 *       than {@code 1e-12} (normalised units), i.e. for every pair that has a real target box;
 *   <li>NaN or infinite coordinates are not degenerate boxes but a diverged model: they pass
 *       through to the result, where the criterion reports the non-finite loss by name.
 * </ul>
 *
 * <p><b>Autograd.</b> Constants and scalar factors go through {@link GraphSafe}, so nothing these
 * functions add to the graph depends on Java memory. The boxes given to them are kept by the graph
 * (the min/max and products keep both operands) until backward: an array made from Java data
 * ({@code NDManager.create(float[] ...)}) must stay open until then, or be made with
 * {@link GraphSafe#create}.
 */
public final class BoxOps {

  /** Floor of the union and of the enclosing-box area in IoU and GIoU denominators. */
  public static final float MIN_AREA = 1e-12f;

  private BoxOps() {}

  /** {@code (cx, cy, w, h) -> (x0, y0, x1, y1)}, any leading shape. */
  public static NDArray cxcywhToXyxy(NDArray boxes) {
    NDArray xc = boxes.get("..., 0");
    NDArray yc = boxes.get("..., 1");
    NDArray w = boxes.get("..., 2");
    NDArray h = boxes.get("..., 3");
    return NDArrays.stack(
        new NDList(
            xc.sub(GraphSafe.mul(w, 0.5f)),
            yc.sub(GraphSafe.mul(h, 0.5f)),
            xc.add(GraphSafe.mul(w, 0.5f)),
            yc.add(GraphSafe.mul(h, 0.5f))),
        -1);
  }

  /** {@code (x0, y0, x1, y1) -> (cx, cy, w, h)}, any leading shape. */
  public static NDArray xyxyToCxcywh(NDArray boxes) {
    NDArray x0 = boxes.get("..., 0");
    NDArray y0 = boxes.get("..., 1");
    NDArray x1 = boxes.get("..., 2");
    NDArray y1 = boxes.get("..., 3");
    return NDArrays.stack(
        new NDList(GraphSafe.div(x0.add(x1), 2f), GraphSafe.div(y0.add(y1), 2f), x1.sub(x0), y1.sub(y0)),
        -1);
  }

  /** Area of xyxy boxes {@code [..., 4] -> [...]} (negative for inverted boxes). */
  public static NDArray area(NDArray xyxy) {
    return xyxy.get("..., 2").sub(xyxy.get("..., 0")).mul(xyxy.get("..., 3").sub(xyxy.get("..., 1")));
  }

  /** Pairwise IoU of xyxy boxes {@code [N, 4] x [M, 4] -> [N, M]}. */
  public static NDArray iou(NDArray boxes1, NDArray boxes2) {
    requireOrdered(boxes1, "boxes1");
    requireOrdered(boxes2, "boxes2");
    return pairwise(boxes1, boxes2, false);
  }

  /** Pairwise generalized IoU of xyxy boxes {@code [N, 4] x [M, 4] -> [N, M]}, in [-1, 1]. */
  public static NDArray generalizedIou(NDArray boxes1, NDArray boxes2) {
    requireOrdered(boxes1, "boxes1");
    requireOrdered(boxes2, "boxes2");
    return pairwise(boxes1, boxes2, true);
  }

  /**
   * Generalized IoU of row i of {@code boxes1} with row i of {@code boxes2}: {@code [N, 4] x [N, 4]
   * -> [N]}. Equals the diagonal of {@link #generalizedIou} (what the reference loss takes) without
   * building the N x N matrix.
   */
  public static NDArray elementwiseGeneralizedIou(NDArray boxes1, NDArray boxes2) {
    if (!boxes1.getShape().equals(boxes2.getShape())) {
      throw new IllegalArgumentException(
          "elementwise GIoU needs equal shapes, got " + boxes1.getShape() + " and " + boxes2.getShape());
    }
    requireOrdered(boxes1, "boxes1");
    requireOrdered(boxes2, "boxes2");
    NDArray area1 = area(boxes1); // [N]
    NDArray area2 = area(boxes2);
    NDArray lt = boxes1.get(":, :2").maximum(boxes2.get(":, :2")); // [N, 2]
    NDArray rb = boxes1.get(":, 2:").minimum(boxes2.get(":, 2:"));
    NDArray wh = GraphSafe.clip(rb.sub(lt), 0f, Float.MAX_VALUE);
    NDArray inter = wh.get(":, 0").mul(wh.get(":, 1")); // [N]
    NDArray union = area1.add(area2).sub(inter);
    NDArray safeUnion = GraphSafe.clip(union, MIN_AREA, Float.MAX_VALUE);
    NDArray iou = inter.div(safeUnion);
    NDArray elt = boxes1.get(":, :2").minimum(boxes2.get(":, :2"));
    NDArray erb = boxes1.get(":, 2:").maximum(boxes2.get(":, 2:"));
    NDArray ewh = GraphSafe.clip(erb.sub(elt), 0f, Float.MAX_VALUE);
    NDArray enclosing =
        GraphSafe.clip(ewh.get(":, 0").mul(ewh.get(":, 1")), MIN_AREA, Float.MAX_VALUE); // [N]
    return iou.sub(enclosing.sub(safeUnion).div(enclosing));
  }

  private static NDArray pairwise(NDArray boxes1, NDArray boxes2, boolean generalized) {
    NDArray area1 = area(boxes1); // [N]
    NDArray area2 = area(boxes2); // [M]
    NDArray lo1 = boxes1.get(":, :2").expandDims(1); // [N, 1, 2]
    NDArray hi1 = boxes1.get(":, 2:").expandDims(1);
    NDArray lo2 = boxes2.get(":, :2"); // [M, 2]
    NDArray hi2 = boxes2.get(":, 2:");
    NDArray wh = // [N, M, 2]
        GraphSafe.clip(hi1.minimum(hi2).sub(lo1.maximum(lo2)), 0f, Float.MAX_VALUE);
    NDArray inter = wh.get(":, :, 0").mul(wh.get(":, :, 1")); // [N, M]
    NDArray union = area1.expandDims(1).add(area2).sub(inter);
    NDArray safeUnion = GraphSafe.clip(union, MIN_AREA, Float.MAX_VALUE);
    NDArray iou = inter.div(safeUnion);
    if (!generalized) {
      return iou;
    }
    NDArray ewh = // [N, M, 2]
        GraphSafe.clip(hi1.maximum(hi2).sub(lo1.minimum(lo2)), 0f, Float.MAX_VALUE);
    NDArray enclosing =
        GraphSafe.clip(ewh.get(":, :, 0").mul(ewh.get(":, :, 1")), MIN_AREA, Float.MAX_VALUE); // [N, M]
    return iou.sub(enclosing.sub(safeUnion).div(enclosing));
  }

  /** Rejects inverted xyxy boxes, naming the first offending row. NaN rows pass (see class doc). */
  private static void requireOrdered(NDArray boxes, String name) {
    if (boxes.getShape().dimension() != 2 || boxes.getShape().get(1) != 4) {
      throw new IllegalArgumentException(name + " must be [N, 4] xyxy, got " + boxes.getShape());
    }
    if (boxes.getShape().get(0) == 0) {
      return;
    }
    NDArray inverted =
        boxes.get(":, 2").lt(boxes.get(":, 0")).logicalOr(boxes.get(":, 3").lt(boxes.get(":, 1")));
    if (!inverted.any().getBoolean()) {
      return;
    }
    boolean[] rows = inverted.toBooleanArray();
    float[] v = boxes.toFloatArray();
    for (int i = 0; i < rows.length; i++) {
      if (rows[i]) {
        throw new IllegalArgumentException(
            String.format(
                "%s row %d is an inverted box (x0, y0, x1, y1) = (%s, %s, %s, %s): x1 < x0 or y1 < y0",
                name, i, v[4 * i], v[4 * i + 1], v[4 * i + 2], v[4 * i + 3]));
      }
    }
  }
}

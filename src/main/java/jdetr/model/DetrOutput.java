package jdetr.model;

import ai.djl.ndarray.NDArray;

/**
 * DETR's predictions for every decoder layer. Layer L-1 is the final prediction
 * ({@code pred_logits}, {@code pred_boxes}); layers 0..L-2 are the auxiliary outputs.
 *
 * @param logits [L, B, Q, numClasses + 1] class logits, the last class is "no object"
 * @param boxes [L, B, Q, 4] normalized cxcywh in [0, 1] relative to each unpadded image
 */
public record DetrOutput(NDArray logits, NDArray boxes) {

  public int numLayers() {
    return Math.toIntExact(logits.getShape().get(0));
  }

  /** Final pred_logits, [B, Q, numClasses + 1]. */
  public NDArray predLogits() {
    return layerLogits(numLayers() - 1);
  }

  /** Final pred_boxes, [B, Q, 4] cxcywh. */
  public NDArray predBoxes() {
    return layerBoxes(numLayers() - 1);
  }

  /** Logits of decoder layer {@code layer} (0-based), [B, Q, numClasses + 1]. */
  public NDArray layerLogits(int layer) {
    return logits.get(layer);
  }

  /** Boxes of decoder layer {@code layer} (0-based), [B, Q, 4] cxcywh. */
  public NDArray layerBoxes(int layer) {
    return boxes.get(layer);
  }
}

package jdetr.model.deformable;

import ai.djl.ndarray.NDArray;
import jdetr.model.DetrOutput;

/**
 * Deformable DETR's predictions: every decoder layer's (the last one final, the others auxiliary)
 * and, two-stage, the encoder proposals'.
 *
 * @param layers logits [L, B, Q, C] and boxes [L, B, Q, 4] normalised cxcywh
 * @param encLogits two-stage: [B, S, C] class logits of every encoder proposal; else null
 * @param encBoxes two-stage: [B, S, 4] proposal boxes, cxcywh (1 where the proposal is invalid);
 *     else null
 */
public record DeformableDetrOutput(DetrOutput layers, NDArray encLogits, NDArray encBoxes) {

  public boolean hasProposals() {
    return encLogits != null;
  }
}

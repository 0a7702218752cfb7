package jdetr.loss;

import ai.djl.ndarray.NDArray;

/**
 * The class and box predictions of one decoder layer for a batch.
 *
 * @param logits [B, Q, C+1] (softmax, last = no-object) or [B, Q, C] (sigmoid focal)
 * @param boxes [B, Q, 4] normalised cxcywh in [0, 1]
 */
public record LayerPrediction(NDArray logits, NDArray boxes) {}

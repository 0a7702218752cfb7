package jdetr.model;

import ai.djl.ndarray.NDArray;

/**
 * The predictions of DETR or Deformable DETR for every decoder layer. Layer L-1 is the final
 * prediction ({@code pred_logits}, {@code pred_boxes}); layers 0..L-2 are the auxiliary outputs.
 * Two-stage Deformable DETR also returns the predictions of its encoder proposals
 * ({@code enc_outputs}).
 *
 * @param logits [L, B, Q, K] class logits: DETR K = numClasses + 1, the last class "no object";
 *     Deformable DETR K = numClasses, sigmoid scores
 * @param boxes [L, B, Q, 4] normalized cxcywh in [0, 1] relative to each unpadded image
 * @param encLogits two-stage: [B, S, K] class logits of every encoder proposal; otherwise null
 * @param encBoxes two-stage: [B, S, 4] cxcywh boxes of every encoder proposal; otherwise null
 * @param dnLogits with denoising queries (training only): [L, B, D, K] their class logits per
 *     decoder layer; otherwise null
 * @param dnBoxes with denoising queries: [L, B, D, 4] their cxcywh boxes; otherwise null
 * @param predMasks DETRsegm: [B, Q, H/4, W/4] mask logits of the last decoder layer's queries
 *     (the reference's {@code pred_masks}); otherwise null
 * @param oneToManyLogits with the one-to-many queries of hybrid matching (training only):
 *     [L, B, N, K] their class logits per decoder layer; otherwise null
 * @param oneToManyBoxes with the one-to-many queries: [L, B, N, 4] cxcywh; otherwise null
 */
public record DetrOutput(NDArray logits, NDArray boxes, NDArray encLogits, NDArray encBoxes,
    NDArray dnLogits, NDArray dnBoxes, NDArray predMasks, NDArray oneToManyLogits,
    NDArray oneToManyBoxes) {

  /** No one-to-many queries. */
  public DetrOutput(NDArray logits, NDArray boxes, NDArray encLogits, NDArray encBoxes,
      NDArray dnLogits, NDArray dnBoxes, NDArray predMasks) {
    this(logits, boxes, encLogits, encBoxes, dnLogits, dnBoxes, predMasks, null, null);
  }

  /** No masks. */
  public DetrOutput(NDArray logits, NDArray boxes, NDArray encLogits, NDArray encBoxes,
      NDArray dnLogits, NDArray dnBoxes) {
    this(logits, boxes, encLogits, encBoxes, dnLogits, dnBoxes, null);
  }

  /** Decoder predictions only. */
  public DetrOutput(NDArray logits, NDArray boxes) {
    this(logits, boxes, null, null);
  }

  /** Decoder predictions and, two-stage, the encoder proposals'; no denoising queries. */
  public DetrOutput(NDArray logits, NDArray boxes, NDArray encLogits, NDArray encBoxes) {
    this(logits, boxes, encLogits, encBoxes, null, null);
  }

  /** These predictions with DETRsegm's mask logits, [B, Q, H/4, W/4]. */
  public DetrOutput withMasks(NDArray masks) {
    return new DetrOutput(logits, boxes, encLogits, encBoxes, dnLogits, dnBoxes, masks,
        oneToManyLogits, oneToManyBoxes);
  }

  /** The predictions of one-to-many queries are present. */
  public boolean hasOneToMany() {
    return oneToManyLogits != null;
  }

  /** DETRsegm: the mask logits are present. */
  public boolean hasMasks() {
    return predMasks != null;
  }

  /** The predictions of denoising queries are present. */
  public boolean hasDenoising() {
    return dnLogits != null;
  }

  /** Two-stage Deformable DETR: the encoder proposals' predictions are present. */
  public boolean hasProposals() {
    return encLogits != null;
  }

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

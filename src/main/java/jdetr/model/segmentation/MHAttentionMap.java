package jdetr.model.segmentation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import jdetr.model.nn.Linear;
import jdetr.model.nn.MultiheadAttention;
import jdetr.model.nn.TorchBlock;
import jdetr.model.nn.TorchInit;

/**
 * DETRsegm's 2D attention map: the attention weights (no values) of every query over every pixel of
 * the encoder memory, per head. Queries and keys are linear maps (Xavier-uniform weights, zero
 * biases; the key map applied as a 1x1 convolution), the query scaled by
 * {@code normalize_fact = (hidden / heads)^-0.5}; padded pixels get -inf; the softmax runs, as the
 * reference's {@code softmax(weights.flatten(2))}, over the heads and pixels of each query together.
 * Dropout 0, as DETRsegm builds it.
 */
public final class MHAttentionMap extends TorchBlock {

  private final int numHeads;
  private final int hiddenDim;
  private final float normalizeFact;
  private final Linear qLinear;
  private final Linear kLinear;

  public MHAttentionMap(int queryDim, int hiddenDim, int numHeads, boolean trainable) {
    if (hiddenDim % numHeads != 0) {
      throw new IllegalArgumentException("hidden " + hiddenDim + " not divisible by " + numHeads
          + " heads");
    }
    this.numHeads = numHeads;
    this.hiddenDim = hiddenDim;
    this.normalizeFact = (float) Math.pow((double) hiddenDim / numHeads, -0.5);
    qLinear = child("q_linear", new Linear(queryDim, hiddenDim, TorchInit.xavierUniform(),
        TorchInit.constant(0f), trainable));
    kLinear = child("k_linear", new Linear(queryDim, hiddenDim, TorchInit.xavierUniform(),
        TorchInit.constant(0f), trainable));
  }

  /**
   * @param q [B, Q, C] the last decoder layer's states
   * @param k [B, C, h, w] the encoder memory
   * @param mask [B, h, w] boolean, true = padding
   * @return [B, Q, heads, h, w] attention weights, summing to 1 over (heads, h, w) per query
   */
  public NDArray forward(NDArray q, NDArray k, NDArray mask) {
    return scoped(() -> attend(q, k, mask), q, k, mask);
  }

  private NDArray attend(NDArray q, NDArray k, NDArray mask) {
    Shape ks = k.getShape();
    long b = ks.get(0);
    long h = ks.get(2);
    long w = ks.get(3);
    long nq = q.getShape().get(1);
    long c = hiddenDim / numHeads;
    NDArray qh = qLinear.forward(q).reshape(b, nq, numHeads, c) // [B, Q, N, c]
        .mul(normalizeFact).transpose(0, 2, 1, 3); // [B, N, Q, c]
    NDArray keys = kLinear.forward(k.reshape(b, ks.get(1), h * w).transpose(0, 2, 1)); // [B, hw, C]
    NDArray kh = keys.transpose(0, 2, 1).reshape(b, numHeads, c, h * w); // [B, N, c, hw]
    NDArray weights = qh.matMul(kh).transpose(0, 2, 1, 3); // [B, Q, N, hw]
    weights = weights.add(MultiheadAttention.paddingBias(mask.reshape(b, h * w))); // [B, 1, 1, hw]
    return weights.reshape(b, nq, numHeads * h * w).softmax(-1) // over heads and pixels
        .reshape(b, nq, numHeads, h, w);
  }

  public int numHeads() {
    return numHeads;
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    return new NDList(forward(inputs.get(0), inputs.get(1), inputs.get(2)));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape q = inputShapes[0];
    Shape k = inputShapes[1];
    return new Shape[] {new Shape(q.get(0), q.get(1), numHeads, k.get(2), k.get(3))};
  }
}

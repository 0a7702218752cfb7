package jdetr.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import jdetr.autograd.GraphSafe;

/**
 * {@code nn.MultiheadAttention} as DETR calls it: separate query, key and value inputs, a packed
 * input projection {@code in_proj_weight [3E, E]} / {@code in_proj_bias [3E]}, scaled dot-product
 * attention per head with an additive key-padding bias, dropout on the attention weights in
 * training, and the output projection {@code out_proj}. Tensors are batch-first here ([B, L, E]);
 * the reference runs sequence-first, which changes no value.
 */
public final class MultiheadAttention extends TorchBlock {

  private final long embedDim;
  private final int heads;
  private final float dropout;
  private final Parameter inProjWeight;
  private final Parameter inProjBias;
  private final Linear outProj;

  /** Xavier-uniform projections and zero biases: the values DETR's Transformer init leaves. */
  public MultiheadAttention(long embedDim, int heads, float dropout, boolean trainable) {
    if (embedDim % heads != 0) {
      throw new IllegalArgumentException("embed dim " + embedDim + " not divisible by " + heads
          + " heads");
    }
    this.embedDim = embedDim;
    this.heads = heads;
    this.dropout = dropout;
    inProjWeight = param("in_proj_weight", Parameter.Type.WEIGHT, new Shape(3 * embedDim, embedDim),
        TorchInit.xavierUniform(), trainable);
    inProjBias = param("in_proj_bias", Parameter.Type.BIAS, new Shape(3 * embedDim),
        TorchInit.constant(0f), trainable);
    outProj = child("out_proj", new Linear(embedDim, embedDim, TorchInit.xavierUniform(),
        TorchInit.constant(0f), trainable));
  }

  /**
   * The additive attention bias of a key-padding mask: 0 where attended, -inf where padded.
   *
   * @param keyPaddingMask [B, S] boolean, true = padding
   * @return [B, 1, 1, S] float
   */
  public static NDArray paddingBias(NDArray keyPaddingMask) {
    var m = keyPaddingMask.getManager();
    Shape s = keyPaddingMask.getShape();
    NDArray bias = NDArrays.where(keyPaddingMask,
        m.full(s, Float.NEGATIVE_INFINITY, DataType.FLOAT32), m.zeros(s, DataType.FLOAT32));
    return bias.reshape(s.get(0), 1, 1, s.get(1));
  }

  /**
   * @param query [B, L, E]
   * @param key [B, S, E]
   * @param value [B, S, E]
   * @param bias [B, 1, 1, S] additive key bias from {@link #paddingBias}, or null
   * @return [B, L, E]
   */
  public NDArray forward(NDArray query, NDArray key, NDArray value, NDArray bias,
      boolean training) {
    return scoped(() -> attend(query, key, value, bias, training), query, key, value, bias);
  }

  private NDArray attend(NDArray query, NDArray key, NDArray value, NDArray bias,
      boolean training) {
    long b = query.getShape().get(0);
    long l = query.getShape().get(1);
    long s = key.getShape().get(1);
    long d = embedDim / heads;
    NDArray w = inProjWeight.getArray();
    NDArray bi = inProjBias.getArray();
    String[] rows = {"0:" + embedDim, embedDim + ":" + 2 * embedDim, 2 * embedDim + ":"};
    NDArray q = project(query, w, bi, rows[0]).reshape(b, l, heads, d).transpose(0, 2, 1, 3);
    NDArray k = project(key, w, bi, rows[1]).reshape(b, s, heads, d).transpose(0, 2, 3, 1);
    NDArray v = project(value, w, bi, rows[2]).reshape(b, s, heads, d).transpose(0, 2, 1, 3);
    // The scale goes through GraphSafe: autograd keeps the divisor until backward.
    NDArray scores = GraphSafe.div(q, (float) Math.sqrt(d)).matMul(k); // [B, h, L, S]
    if (bias != null) {
      scores = scores.add(bias);
    }
    NDArray attn = Bfloat16.softmax(scores, -1); // float32 inside for a bfloat16 inference model
    attn = dropout(attn, dropout, training);
    NDArray out = attn.matMul(v).transpose(0, 2, 1, 3).reshape(b, l, embedDim); // [B, L, E]
    return outProj.forward(out);
  }

  private static NDArray project(NDArray x, NDArray w, NDArray bias, String rows) {
    return ai.djl.nn.core.Linear.linear(x, onManagerOf(x, w.get(rows)),
        onManagerOf(x, bias.get(rows))).singletonOrThrow();
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    NDArray bias = inputs.size() > 3 ? paddingBias(inputs.get(3)) : null;
    return new NDList(forward(inputs.get(0), inputs.get(1), inputs.get(2), bias, training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }
}

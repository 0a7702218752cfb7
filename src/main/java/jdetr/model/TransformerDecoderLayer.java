package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import jdetr.model.nn.LayerNorm;
import jdetr.model.nn.Linear;
import jdetr.model.nn.MultiheadAttention;
import jdetr.model.nn.TorchBlock;
import jdetr.model.nn.TorchInit;

/**
 * One DETR decoder layer: self-attention among the queries (query_pos added to queries and keys),
 * cross-attention to the encoder memory (query_pos added to the queries, positions to the keys,
 * key-padding mask on the memory), then a ReLU feed-forward network; dropout on each residual
 * branch, LayerNorm after (post-norm) or before (pre-norm) each branch.
 */
public final class TransformerDecoderLayer extends TorchBlock {

  private final MultiheadAttention selfAttn;
  private final MultiheadAttention multiheadAttn;
  private final Linear linear1;
  private final Linear linear2;
  private final LayerNorm norm1;
  private final LayerNorm norm2;
  private final LayerNorm norm3;
  private final float dropout;
  private final boolean normalizeBefore;

  public TransformerDecoderLayer(int dModel, int nhead, int dimFeedforward, float dropout,
      boolean normalizeBefore, boolean trainable) {
    selfAttn = child("self_attn", new MultiheadAttention(dModel, nhead, dropout, trainable));
    multiheadAttn = child("multihead_attn",
        new MultiheadAttention(dModel, nhead, dropout, trainable));
    linear1 = child("linear1", new Linear(dModel, dimFeedforward, TorchInit.xavierUniform(),
        TorchInit.torchDefault(dModel), trainable));
    linear2 = child("linear2", new Linear(dimFeedforward, dModel, TorchInit.xavierUniform(),
        TorchInit.torchDefault(dimFeedforward), trainable));
    norm1 = child("norm1", new LayerNorm(dModel, trainable));
    norm2 = child("norm2", new LayerNorm(dModel, trainable));
    norm3 = child("norm3", new LayerNorm(dModel, trainable));
    this.dropout = dropout;
    this.normalizeBefore = normalizeBefore;
  }

  /**
   * @param tgt [B, Q, C] decoder state
   * @param memory [B, S, C] encoder output
   * @param memoryKey [B, S, C] memory + positions (the cross-attention keys)
   * @param bias [B, 1, 1, S] memory key-padding bias
   * @param queryPos [1 or B, Q, C] query embeddings
   * @return [B, Q, C]
   */
  public NDArray forward(NDArray tgt, NDArray memory, NDArray memoryKey, NDArray bias,
      NDArray queryPos, boolean training) {
    if (normalizeBefore) {
      NDArray tgt2 = norm1.forward(tgt);
      NDArray qk = tgt2.add(queryPos);
      tgt = tgt.add(dropout(selfAttn.forward(qk, qk, tgt2, null, training), dropout, training));
      tgt2 = norm2.forward(tgt);
      tgt2 = multiheadAttn.forward(tgt2.add(queryPos), memoryKey, memory, bias, training);
      tgt = tgt.add(dropout(tgt2, dropout, training));
      tgt2 = norm3.forward(tgt);
      return tgt.add(dropout(feedForward(tgt2, training), dropout, training));
    }
    NDArray qk = tgt.add(queryPos);
    tgt = norm1.forward(
        tgt.add(dropout(selfAttn.forward(qk, qk, tgt, null, training), dropout, training)));
    NDArray tgt2 = multiheadAttn.forward(tgt.add(queryPos), memoryKey, memory, bias, training);
    tgt = norm2.forward(tgt.add(dropout(tgt2, dropout, training)));
    return norm3.forward(tgt.add(dropout(feedForward(tgt, training), dropout, training)));
  }

  private NDArray feedForward(NDArray x, boolean training) {
    return linear2.forward(dropout(Activation.relu(linear1.forward(x)), dropout, training));
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    NDArray memory = inputs.get(1);
    NDArray pos = inputs.get(3);
    NDArray bias = MultiheadAttention.paddingBias(inputs.get(2));
    return new NDList(forward(inputs.get(0), memory, memory.add(pos), bias, inputs.get(4),
        training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }
}

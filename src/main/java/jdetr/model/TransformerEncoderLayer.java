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
 * One DETR encoder layer: self-attention with positions added to queries and keys (not values)
 * and the key-padding mask, then a ReLU feed-forward network; each with dropout on its residual
 * branch and LayerNorm after (post-norm, the default) or before (pre-norm) the branch.
 */
public final class TransformerEncoderLayer extends TorchBlock {

  private final MultiheadAttention selfAttn;
  private final Linear linear1;
  private final Linear linear2;
  private final LayerNorm norm1;
  private final LayerNorm norm2;
  private final float dropout;
  private final boolean normalizeBefore;

  public TransformerEncoderLayer(int dModel, int nhead, int dimFeedforward, float dropout,
      boolean normalizeBefore, boolean trainable) {
    selfAttn = child("self_attn", new MultiheadAttention(dModel, nhead, dropout, trainable));
    linear1 = child("linear1", new Linear(dModel, dimFeedforward, TorchInit.xavierUniform(),
        TorchInit.torchDefault(dModel), trainable));
    linear2 = child("linear2", new Linear(dimFeedforward, dModel, TorchInit.xavierUniform(),
        TorchInit.torchDefault(dimFeedforward), trainable));
    norm1 = child("norm1", new LayerNorm(dModel, trainable));
    norm2 = child("norm2", new LayerNorm(dModel, trainable));
    this.dropout = dropout;
    this.normalizeBefore = normalizeBefore;
  }

  /**
   * @param src [B, S, C]
   * @param bias [B, 1, 1, S] key-padding bias (0 / -inf)
   * @param pos [B, S, C]
   * @return [B, S, C]
   */
  public NDArray forward(NDArray src, NDArray bias, NDArray pos, boolean training) {
    if (normalizeBefore) {
      NDArray src2 = norm1.forward(src);
      NDArray qk = src2.add(pos);
      src = src.add(dropout(selfAttn.forward(qk, qk, src2, bias, training), dropout, training));
      src2 = norm2.forward(src);
      return src.add(dropout(feedForward(src2, training), dropout, training));
    }
    NDArray qk = src.add(pos);
    src = norm1.forward(
        src.add(dropout(selfAttn.forward(qk, qk, src, bias, training), dropout, training)));
    return norm2.forward(src.add(dropout(feedForward(src, training), dropout, training)));
  }

  private NDArray feedForward(NDArray x, boolean training) {
    return linear2.forward(dropout(Activation.relu(linear1.forward(x)), dropout, training));
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    NDArray bias = MultiheadAttention.paddingBias(inputs.get(1));
    return new NDList(forward(inputs.get(0), bias, inputs.get(2), training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }
}

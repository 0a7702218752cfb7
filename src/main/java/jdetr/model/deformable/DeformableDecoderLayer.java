package jdetr.model.deformable;

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
 * One deformable decoder layer: multi-head self-attention among the queries (query positions
 * added to queries and keys), multi-scale deformable cross-attention to the encoder memory around
 * each query's reference point, then a ReLU feed-forward network; dropout on each residual branch
 * and LayerNorm after it ({@code norm2} after self-attention, {@code norm1} after cross-attention,
 * {@code norm3} after the FFN, the reference's names).
 */
public final class DeformableDecoderLayer extends TorchBlock {

  private final MsDeformAttn crossAttn;
  private final LayerNorm norm1;
  private final MultiheadAttention selfAttn;
  private final LayerNorm norm2;
  private final Linear linear1;
  private final Linear linear2;
  private final LayerNorm norm3;
  private final float dropout;

  public DeformableDecoderLayer(int dModel, int dFfn, float dropout, int levels, int heads,
      int points, boolean trainable) {
    crossAttn = child("cross_attn", new MsDeformAttn(dModel, levels, heads, points, trainable));
    norm1 = child("norm1", new LayerNorm(dModel, trainable));
    selfAttn = child("self_attn", new MultiheadAttention(dModel, heads, dropout, trainable));
    norm2 = child("norm2", new LayerNorm(dModel, trainable));
    linear1 = child("linear1", new Linear(dModel, dFfn, TorchInit.xavierUniform(),
        TorchInit.torchDefault(dModel), trainable));
    linear2 = child("linear2", new Linear(dFfn, dModel, TorchInit.xavierUniform(),
        TorchInit.torchDefault(dFfn), trainable));
    norm3 = child("norm3", new LayerNorm(dModel, trainable));
    this.dropout = dropout;
  }

  /**
   * @param tgt [N, Q, C] decoder state
   * @param queryPos [N, Q, C] query positions
   * @param referencePoints [N, Q, L, 2 or 4] per-level reference points (valid ratios applied)
   * @param memory [N, S, C] encoder output
   * @param levels the level sizes
   * @param paddingMask [N, S] boolean, true = padding
   * @param selfAttnBias [1, 1, Q, Q] additive self-attention bias (-inf = blocked), or null
   * @return [N, Q, C]
   */
  public NDArray forward(NDArray tgt, NDArray queryPos, NDArray referencePoints, NDArray memory,
      FeatureLevels levels, NDArray paddingMask, NDArray selfAttnBias, boolean training) {
    return scoped(() -> {
      NDArray qk = tgt.add(queryPos);
      NDArray out = norm2.forward(tgt.add(
          dropout(selfAttn.forward(qk, qk, tgt, selfAttnBias, training), dropout, training)));
      NDArray cross = crossAttn.forward(out.add(queryPos), referencePoints, memory, levels,
          paddingMask);
      out = norm1.forward(out.add(dropout(cross, dropout, training)));
      NDArray ffn = linear2.forward(
          dropout(Activation.relu(linear1.forward(out)), dropout, training));
      return norm3.forward(out.add(dropout(ffn, dropout, training)));
    }, tgt, queryPos, referencePoints, memory, paddingMask, selfAttnBias);
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    throw new UnsupportedOperationException("call forward with the feature levels");
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }
}

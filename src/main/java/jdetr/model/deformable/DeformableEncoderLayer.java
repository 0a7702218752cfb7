package jdetr.model.deformable;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import jdetr.model.nn.LayerNorm;
import jdetr.model.nn.Linear;
import jdetr.model.nn.TorchBlock;
import jdetr.model.nn.TorchInit;

/**
 * One deformable encoder layer: multi-scale deformable self-attention of every token (positions
 * and level embeddings added to the queries, values without them) around its own reference point,
 * then a ReLU feed-forward network; dropout on each residual branch, LayerNorm after each branch.
 */
public final class DeformableEncoderLayer extends TorchBlock {

  private final MsDeformAttn selfAttn;
  private final LayerNorm norm1;
  private final Linear linear1;
  private final Linear linear2;
  private final LayerNorm norm2;
  private final float dropout;

  public DeformableEncoderLayer(int dModel, int dFfn, float dropout, int levels, int heads,
      int points, boolean trainable) {
    selfAttn = child("self_attn", new MsDeformAttn(dModel, levels, heads, points, trainable));
    norm1 = child("norm1", new LayerNorm(dModel, trainable));
    linear1 = child("linear1", new Linear(dModel, dFfn, TorchInit.xavierUniform(),
        TorchInit.torchDefault(dModel), trainable));
    linear2 = child("linear2", new Linear(dFfn, dModel, TorchInit.xavierUniform(),
        TorchInit.torchDefault(dFfn), trainable));
    norm2 = child("norm2", new LayerNorm(dModel, trainable));
    this.dropout = dropout;
  }

  /**
   * @param src [N, S, C] flattened multi-scale features
   * @param pos [N, S, C] positions + level embeddings
   * @param referencePoints [N, S, L, 2]
   * @param levels the level sizes
   * @param paddingMask [N, S] boolean, true = padding
   * @return [N, S, C]
   */
  public NDArray forward(NDArray src, NDArray pos, NDArray referencePoints, FeatureLevels levels,
      NDArray paddingMask, boolean training) {
    return scoped(() -> {
      NDArray src2 = selfAttn.forward(src.add(pos), referencePoints, src, levels, paddingMask);
      NDArray out = norm1.forward(src.add(dropout(src2, dropout, training)));
      NDArray ffn = linear2.forward(
          dropout(Activation.relu(linear1.forward(out)), dropout, training));
      return norm2.forward(out.add(dropout(ffn, dropout, training)));
    }, src, pos, referencePoints, paddingMask);
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

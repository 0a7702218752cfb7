package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import jdetr.model.nn.Embedding;
import jdetr.model.nn.TorchBlock;
import jdetr.model.nn.TorchInit;

/**
 * Learned absolute positions: a column table and a row table of 50 entries each (uniform [0, 1)
 * init); position (i, j) is [col_embed[j], row_embed[i]]. Feature maps wider or taller than 50
 * cells cannot be encoded (as in the reference).
 */
public final class PositionEmbeddingLearned extends TorchBlock implements PositionEmbedding {

  public static final int TABLE_SIZE = 50;
  private final int numPosFeats;
  private final Embedding rowEmbed;
  private final Embedding colEmbed;

  public PositionEmbeddingLearned(int numPosFeats, boolean trainable) {
    this.numPosFeats = numPosFeats;
    rowEmbed = child("row_embed",
        new Embedding(TABLE_SIZE, numPosFeats, TorchInit.uniform(0f, 1f), trainable));
    colEmbed = child("col_embed",
        new Embedding(TABLE_SIZE, numPosFeats, TorchInit.uniform(0f, 1f), trainable));
  }

  @Override
  public NDArray encode(FeatureMap map) {
    Shape s = map.features().getShape();
    long b = s.get(0);
    long h = s.get(2);
    long w = s.get(3);
    if (h > TABLE_SIZE || w > TABLE_SIZE) {
      throw new IllegalArgumentException("learned position embedding covers at most "
          + TABLE_SIZE + "x" + TABLE_SIZE + " cells, feature map is " + h + "x" + w);
    }
    NDArray x = colEmbed.firstRows(w, map.features()).expandDims(0).broadcast(h, w, numPosFeats);
    NDArray y = rowEmbed.firstRows(h, map.features()).expandDims(1).broadcast(h, w, numPosFeats);
    NDArray pos = NDArrays.concat(new NDList(x, y), 2).transpose(2, 0, 1); // [2F, h, w]
    return pos.expandDims(0).repeat(0, b); // [B, 2F, h, w]
  }

  public int numPosFeats() {
    return numPosFeats;
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    return new NDList(encode(new FeatureMap(inputs.get(0), inputs.get(1))));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape s = inputShapes[0];
    return new Shape[] {new Shape(s.get(0), 2L * numPosFeats, s.get(2), s.get(3))};
  }
}

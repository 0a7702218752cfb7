package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import jdetr.model.nn.LayerNorm;
import jdetr.model.nn.MultiheadAttention;
import jdetr.model.nn.TorchBlock;

/**
 * A stack of decoder layers ({@code layers.N}) and the final {@code norm}, which is applied to the
 * output of every layer: the returned stack holds one normalized state per layer (the last one is
 * the final output, the others feed the auxiliary losses).
 */
public final class TransformerDecoder extends TorchBlock {

  private final List<TransformerDecoderLayer> layers = new ArrayList<>();
  private final LayerNorm norm;

  public TransformerDecoder(int numLayers, int dModel, int nhead, int dimFeedforward,
      float dropout, boolean normalizeBefore, boolean trainable) {
    for (int i = 0; i < numLayers; i++) {
      layers.add(child("layers." + i, new TransformerDecoderLayer(dModel, nhead, dimFeedforward,
          dropout, normalizeBefore, trainable)));
    }
    norm = child("norm", new LayerNorm(dModel, trainable));
  }

  /**
   * @param tgt [B, Q, C] initial state (zeros in DETR)
   * @param memory [B, S, C]
   * @param bias [B, 1, 1, S] memory key-padding bias
   * @param pos [B, S, C] memory positions
   * @param queryPos [1 or B, Q, C]
   * @return [L, B, Q, C] normalized state after each layer
   */
  public NDArray forward(NDArray tgt, NDArray memory, NDArray bias, NDArray pos,
      NDArray queryPos, boolean training) {
    NDArray memoryKey = memory.add(pos);
    NDList intermediate = new NDList();
    NDArray out = tgt;
    for (TransformerDecoderLayer layer : layers) {
      out = layer.forward(out, memory, memoryKey, bias, queryPos, training);
      intermediate.add(norm.forward(out));
    }
    return NDArrays.stack(intermediate, 0);
  }

  public int numLayers() {
    return layers.size();
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    NDArray bias = MultiheadAttention.paddingBias(inputs.get(2));
    return new NDList(forward(inputs.get(0), inputs.get(1), bias, inputs.get(3), inputs.get(4),
        training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(layers.size()).addAll(inputShapes[0])};
  }
}

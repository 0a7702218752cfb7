package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import jdetr.model.nn.LayerNorm;
import jdetr.model.nn.MultiheadAttention;
import jdetr.model.nn.TorchBlock;

/** A stack of encoder layers ({@code layers.N}); a final {@code norm} only in pre-norm mode. */
public final class TransformerEncoder extends TorchBlock {

  private final List<TransformerEncoderLayer> layers = new ArrayList<>();
  private final LayerNorm norm;

  public TransformerEncoder(int numLayers, int dModel, int nhead, int dimFeedforward,
      float dropout, boolean normalizeBefore, boolean trainable) {
    for (int i = 0; i < numLayers; i++) {
      layers.add(child("layers." + i, new TransformerEncoderLayer(dModel, nhead, dimFeedforward,
          dropout, normalizeBefore, trainable)));
    }
    norm = normalizeBefore ? child("norm", new LayerNorm(dModel, trainable)) : null;
  }

  /**
   * @param src [B, S, C]
   * @param bias [B, 1, 1, S] key-padding bias
   * @param pos [B, S, C]
   * @return memory [B, S, C]
   */
  public NDArray forward(NDArray src, NDArray bias, NDArray pos, boolean training) {
    NDArray out = src;
    for (TransformerEncoderLayer layer : layers) {
      out = layer.forward(out, bias, pos, training);
    }
    return norm == null ? out : norm.forward(out);
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

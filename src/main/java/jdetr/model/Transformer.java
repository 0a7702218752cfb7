package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import jdetr.model.nn.Bfloat16;
import jdetr.model.nn.MultiheadAttention;
import jdetr.model.nn.TorchBlock;

/**
 * DETR's encoder-decoder transformer. The image features are flattened to a sequence of h*w
 * tokens; the decoder starts from zeros and receives the learned query embeddings as query_pos in
 * every layer. All weight matrices are Xavier-uniform initialized (DETR's {@code _reset_parameters}
 * over every parameter of dimension > 1).
 */
public final class Transformer extends TorchBlock {

  /**
   * @param hs [L, B, Q, C] decoder states after each layer (normalized)
   * @param memory [B, C, h, w] encoder output
   */
  public record Output(NDArray hs, NDArray memory) {}

  private final int dModel;
  private final TransformerEncoder encoder;
  private final TransformerDecoder decoder;

  public Transformer(int dModel, int nhead, int numEncoderLayers, int numDecoderLayers,
      int dimFeedforward, float dropout, boolean normalizeBefore, boolean trainable) {
    this.dModel = dModel;
    encoder = child("encoder", new TransformerEncoder(numEncoderLayers, dModel, nhead,
        dimFeedforward, dropout, normalizeBefore, trainable));
    decoder = child("decoder", new TransformerDecoder(numDecoderLayers, dModel, nhead,
        dimFeedforward, dropout, normalizeBefore, trainable));
  }

  /**
   * @param src [B, C, h, w] projected features
   * @param mask [B, h, w] boolean, true = padding
   * @param queryEmbed [Q, C]
   * @param posEmbed [B, C, h, w]
   */
  public Output forward(NDArray src, NDArray mask, NDArray queryEmbed, NDArray posEmbed,
      boolean training) {
    Shape s = src.getShape();
    long b = s.get(0);
    long h = s.get(2);
    long w = s.get(3);
    NDArray seq = src.reshape(b, dModel, h * w).transpose(0, 2, 1); // [B, hw, C]
    // positions and padding bias take the activations' type (bfloat16 inference; else a no-op)
    NDArray pos = Bfloat16.like(posEmbed.reshape(b, dModel, h * w).transpose(0, 2, 1), seq); // [B, hw, C]
    NDArray bias = Bfloat16.like(MultiheadAttention.paddingBias(mask.reshape(b, h * w)), seq); // [B, 1, 1, hw]
    NDArray queryPos = onManagerOf(src, queryEmbed.expandDims(0)); // [1, Q, C]
    NDArray zeros = seq.getManager().zeros(new Shape(b, queryEmbed.getShape().get(0), dModel));
    NDArray tgt = Bfloat16.like(zeros, seq); // [B, Q, C]
    NDArray memory = encoder.forward(seq, bias, pos, training);
    NDArray hs = decoder.forward(tgt, memory, bias, pos, queryPos, training);
    return new Output(hs, memory.transpose(0, 2, 1).reshape(b, dModel, h, w));
  }

  public int dModel() {
    return dModel;
  }

  public int numDecoderLayers() {
    return decoder.numLayers();
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    Output o = forward(inputs.get(0), inputs.get(1), inputs.get(2), inputs.get(3), training);
    return new NDList(o.hs(), o.memory());
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape s = inputShapes[0];
    long q = inputShapes[2].get(0);
    return new Shape[] {new Shape(numDecoderLayers(), s.get(0), q, dModel), s};
  }
}

package jdetr.model.deformable;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.ArrayList;
import java.util.List;
import jdetr.model.Mlp;
import jdetr.model.nn.Linear;
import jdetr.model.nn.ModuleList;
import jdetr.model.nn.TorchBlock;

/**
 * A stack of deformable decoder layers ({@code layers.N}, no final norm), every layer's output
 * kept. Each layer's reference points are mapped onto every level by the valid ratios (boxes: both
 * centre and size). With iterative box refinement the decoder holds the per-layer box heads
 * ({@code bbox_embed.N}, the same modules as the detector's): after layer i its box head refines
 * the reference, {@code sigmoid(bbox_embed[i](out) + inverse_sigmoid(ref))} (only the centre when
 * the reference is a point, which then becomes a box), detached, for layer i + 1. Two-stage models
 * also list the class heads here ({@code class_embed.N}, used for the encoder proposals).
 *
 * <p>With look-forward-twice (DINO) the reference listed for layer i + 1's prediction is the
 * refined box before the detach: layer i + 1's box loss then also trains layer i's box head and
 * output, while layer i + 1 itself still samples at the detached box.
 */
public final class DeformableDecoder extends TorchBlock {

  /**
   * @param states the output of every layer, [N, Q, C] each
   * @param references the reference of every layer's output (after its refinement), [N, Q, 2|4];
   *     detached unless look-forward-twice
   */
  public record Output(List<NDArray> states, List<NDArray> references) {}

  private final List<DeformableDecoderLayer> layers = new ArrayList<>();
  private ModuleList<Mlp> bboxEmbed;
  private boolean lookForwardTwice;

  public DeformableDecoder(int numLayers, int dModel, int dFfn, float dropout, int levels,
      int heads, int points, boolean trainable) {
    for (int i = 0; i < numLayers; i++) {
      layers.add(child("layers." + i, new DeformableDecoderLayer(dModel, dFfn, dropout, levels,
          heads, points, trainable)));
    }
  }

  /** Iterative box refinement with these per-layer box heads (at least one per layer). */
  void refineBoxesWith(ModuleList<Mlp> heads) {
    if (heads.size() < layers.size()) {
      throw new IllegalArgumentException(heads.size() + " box heads for " + layers.size()
          + " decoder layers");
    }
    bboxEmbed = child("bbox_embed", heads);
  }

  /** DINO's look-forward-twice: the references returned keep their gradient (box refinement). */
  void lookForwardTwice() {
    if (bboxEmbed == null) {
      throw new IllegalStateException("look-forward-twice needs the box refinement heads");
    }
    lookForwardTwice = true;
  }

  /** Lists the class heads under this decoder's names (two-stage; they are the detector's). */
  void listClassHeads(ModuleList<Linear> heads) {
    child("class_embed", heads);
  }

  /**
   * @param tgt [N, Q, C] initial queries
   * @param referencePoints [N, Q, 2] normalised points, or [N, Q, 4] boxes
   * @param memory [N, S, C]
   * @param validRatios [N, L, 2]
   * @param queryPos [N, Q, C]
   * @param paddingMask [N, S] boolean
   * @param selfAttnBias [1, 1, Q, Q] additive self-attention bias (-inf = blocked), or null
   */
  public Output forward(NDArray tgt, NDArray referencePoints, NDArray memory,
      FeatureLevels levels, NDArray validRatios, NDArray queryPos, NDArray paddingMask,
      NDArray selfAttnBias, boolean training) {
    long n = tgt.getShape().get(0);
    long q = tgt.getShape().get(1);
    NDArray ratios2 = validRatios.expandDims(1); // [N, 1, L, 2]
    NDArray ratios4 = NDArrays.concat(new NDList(validRatios, validRatios), -1).expandDims(1);
    List<NDArray> states = new ArrayList<>();
    List<NDArray> references = new ArrayList<>();
    NDArray out = tgt;
    NDArray ref = referencePoints;
    for (int i = 0; i < layers.size(); i++) {
      boolean box = ref.getShape().get(2) == 4;
      NDArray refInput = ref.expandDims(2).mul(box ? ratios4 : ratios2); // [N, Q, L, 2|4]
      out = layers.get(i).forward(out, queryPos, refInput, memory, levels, paddingMask,
          selfAttnBias, training);
      if (bboxEmbed != null) {
        NDArray delta = bboxEmbed.get(i).forward(out); // [N, Q, 4]
        NDArray refined;
        if (box) {
          refined = delta.add(InverseSigmoid.of(ref));
        } else {
          refined = NDArrays.concat(new NDList(
              delta.get("..., :2").add(InverseSigmoid.of(ref)), delta.get("..., 2:")), -1);
        }
        NDArray refinedBox = Activation.sigmoid(refined).reshape(n, q, 4); // [N, Q, 4] cxcywh
        ref = refinedBox.stopGradient();
        references.add(lookForwardTwice ? refinedBox : ref);
      } else {
        references.add(ref);
      }
      states.add(out);
    }
    return new Output(states, references);
  }

  public int numLayers() {
    return layers.size();
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    throw new UnsupportedOperationException("call forward with the feature levels");
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(layers.size()).addAll(inputShapes[0])};
  }
}

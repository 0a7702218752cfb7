package jdetr.model.deformable;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import jdetr.autograd.GraphSafe;

/**
 * Two-stage Deformable DETR's region proposals from the encoder ({@code
 * gen_encoder_output_proposals}) and the sine embedding of the selected proposals ({@code
 * get_proposal_pos_embed}).
 *
 * <p>Every memory token proposes a box centred on its pixel, ((j + 0.5) / valid W, (i + 0.5) /
 * valid H), of size 0.05 * 2^l on level l, in inverse-sigmoid space; proposals of padded tokens or
 * with a coordinate outside (0.01, 0.99) are +inf and their memory is zeroed.
 */
final class TwoStageProposals {

  /**
   * @param memory [N, S, C] the memory with invalid tokens zeroed (not yet projected)
   * @param proposals [N, S, 4] unnormalised (logit) cxcywh proposals, +inf where invalid
   */
  record Output(NDArray memory, NDArray proposals) {}

  private TwoStageProposals() {}

  /**
   * @param memory [N, S, C] encoder output
   * @param paddingMask [N, S] boolean, true = padding
   */
  static Output of(NDArray memory, NDArray paddingMask, FeatureLevels levels) {
    NDManager m = memory.getManager();
    long n = memory.getShape().get(0);
    NDList perLevel = new NDList();
    for (int l = 0; l < levels.count(); l++) {
      int h = levels.height(l);
      int w = levels.width(l);
      int start = levels.start(l);
      NDArray mask = paddingMask.get(":, {}:{}", start, start + h * w).reshape(n, h, w);
      NDArray validH = mask.get(":, :, 0").logicalNot().sum(new int[] {1})
          .toType(DataType.FLOAT32, false).reshape(n, 1, 1);
      NDArray validW = mask.get(":, 0, :").logicalNot().sum(new int[] {1})
          .toType(DataType.FLOAT32, false).reshape(n, 1, 1);
      NDArray gridY = m.linspace(0f, h - 1f, h).reshape(1, h, 1).broadcast(n, h, w);
      NDArray gridX = m.linspace(0f, w - 1f, w).reshape(1, 1, w).broadcast(n, h, w);
      NDArray cx = gridX.add(0.5f).div(validW);
      NDArray cy = gridY.add(0.5f).div(validH);
      float side = 0.05f * (float) Math.pow(2, l);
      NDArray size = m.full(new Shape(n, h, w), side, DataType.FLOAT32);
      perLevel.add(NDArrays.stack(new NDList(cx, cy, size, size), -1)
          .reshape(n, (long) h * w, 4)); // [N, H*W, 4] cxcywh
    }
    NDArray proposals = NDArrays.concat(perLevel, 1); // [N, S, 4]
    NDArray valid = proposals.gt(0.01f).logicalAnd(proposals.lt(0.99f))
        .toType(DataType.INT32, false).min(new int[] {2}, true).toType(DataType.BOOLEAN, false);
    NDArray logit = proposals.div(proposals.neg().add(1f)).log();
    NDArray invalid = paddingMask.expandDims(2).logicalOr(valid.logicalNot()); // [N, S, 1]
    Shape boxShape = logit.getShape();
    logit = NDArrays.where(invalid.broadcast(boxShape),
        m.full(boxShape, Float.POSITIVE_INFINITY, DataType.FLOAT32), logit);
    NDArray kept = NDArrays.where(invalid.broadcast(memory.getShape()), memory.zerosLike(), memory);
    return new Output(kept, logit);
  }

  /**
   * The sine embedding of proposals: sigmoid(proposal) * 2 pi divided by 10000^(2 floor(i/2) / F),
   * sin on even and cos on odd features, F per coordinate, coordinates one after another.
   *
   * @param proposals [N, Q, 4] unnormalised (logit) boxes
   * @param numPosFeats F (the reference fixes 128, so that 4F = 2 * 256)
   * @return [N, Q, 4F]
   */
  static NDArray positionEmbedding(NDArray proposals, int numPosFeats) {
    NDManager m = proposals.getManager();
    Shape s = proposals.getShape();
    float[] exponents = new float[numPosFeats];
    for (int i = 0; i < numPosFeats; i++) {
      exponents[i] = (float) (2 * (i / 2)) / numPosFeats;
    }
    NDArray dimT = m.full(new Shape(), 10000f, DataType.FLOAT32)
        .pow(GraphSafe.create(m, exponents, new Shape(numPosFeats)));
    NDArray pos = GraphSafe.mul(Activation.sigmoid(proposals), (float) (2 * Math.PI))
        .expandDims(3).div(dimT); // [N, Q, 4, F]
    NDArray sin = pos.get("..., 0::2").sin();
    NDArray cos = pos.get("..., 1::2").cos();
    return NDArrays.stack(new NDList(sin, cos), 4).reshape(s.get(0), s.get(1), 4L * numPosFeats);
  }
}

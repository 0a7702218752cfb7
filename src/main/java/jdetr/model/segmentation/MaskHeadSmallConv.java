package jdetr.model.segmentation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.List;
import java.util.Map;
import jdetr.model.nn.Conv2d;
import jdetr.model.nn.GroupNorm;
import jdetr.model.nn.Interpolate;
import jdetr.model.nn.TorchBlock;
import jdetr.model.nn.TorchInit;

/**
 * DETRsegm's mask head: a small FPN-style convolutional decoder. Each query's copy of the projected
 * features, concatenated with its attention maps, goes through 3x3 convolutions with GroupNorm(8)
 * and ReLU; three times it is upsampled (nearest) to the next backbone level (layer3, layer2,
 * layer1) and added to that level's 1x1 adapter, ending in one mask logit per pixel at stride 4.
 *
 * <p>Channels, for {@code dim = hidden + heads} and {@code context = hidden}: lay1 dim -> dim, lay2
 * -> context/2, lay3 -> context/4, lay4 -> context/8, lay5 -> context/16, out_lay -> 1; adapters
 * fpn_dims[i] -> context/2, /4, /8. Every convolution: kaiming_uniform(a=1) weight, zero bias.
 */
public final class MaskHeadSmallConv extends TorchBlock {

  private static final int GROUPS = 8;
  private final Conv2d lay1;
  private final GroupNorm gn1;
  private final Conv2d lay2;
  private final GroupNorm gn2;
  private final Conv2d lay3;
  private final GroupNorm gn3;
  private final Conv2d lay4;
  private final GroupNorm gn4;
  private final Conv2d lay5;
  private final GroupNorm gn5;
  private final Conv2d outLay;
  private final Conv2d adapter1;
  private final Conv2d adapter2;
  private final Conv2d adapter3;

  /**
   * @param dim input channels: hidden + heads
   * @param fpnDims channels of backbone layer3, layer2, layer1 (1024, 512, 256 for ResNet-50)
   * @param contextDim the transformer width
   */
  public MaskHeadSmallConv(long dim, List<Long> fpnDims, long contextDim, boolean trainable) {
    long[] inter = {dim, contextDim / 2, contextDim / 4, contextDim / 8, contextDim / 16};
    lay1 = child("lay1", conv(dim, dim, 3, trainable));
    gn1 = child("gn1", new GroupNorm(GROUPS, dim, trainable));
    lay2 = child("lay2", conv(dim, inter[1], 3, trainable));
    gn2 = child("gn2", new GroupNorm(GROUPS, inter[1], trainable));
    lay3 = child("lay3", conv(inter[1], inter[2], 3, trainable));
    gn3 = child("gn3", new GroupNorm(GROUPS, inter[2], trainable));
    lay4 = child("lay4", conv(inter[2], inter[3], 3, trainable));
    gn4 = child("gn4", new GroupNorm(GROUPS, inter[3], trainable));
    lay5 = child("lay5", conv(inter[3], inter[4], 3, trainable));
    gn5 = child("gn5", new GroupNorm(GROUPS, inter[4], trainable));
    outLay = child("out_lay", conv(inter[4], 1, 3, trainable));
    adapter1 = child("adapter1", conv(fpnDims.get(0), inter[1], 1, trainable));
    adapter2 = child("adapter2", conv(fpnDims.get(1), inter[2], 1, trainable));
    adapter3 = child("adapter3", conv(fpnDims.get(2), inter[3], 1, trainable));
  }

  private static Conv2d conv(long in, long out, int kernel, boolean trainable) {
    return new Conv2d(in, out, kernel, 1, kernel / 2, 1, true, TorchInit.kaimingUniform(1),
        TorchInit.constant(0f), trainable);
  }

  /**
   * @param x [B, C, h, w] projected last feature map
   * @param bboxMask [B, Q, heads, h, w] attention maps
   * @param fpns backbone layer3 [B, C3, h3, w3], layer2, layer1 feature maps
   * @param taps when not null, receives the GroupNorm outputs {@code gn1 .. gn5} ([B * Q, c, h_i,
   *     w_i], before the ReLU) for inspection
   * @return [B * Q, 1, h1, w1] mask logits at layer1's resolution
   */
  public NDArray forward(NDArray x, NDArray bboxMask, List<NDArray> fpns, Map<String, NDArray> taps) {
    Shape ms = bboxMask.getShape();
    long b = ms.get(0);
    long q = ms.get(1);
    Shape xs = x.getShape();
    NDArray expanded = x.expandDims(1).broadcast(new Shape(b, q, xs.get(1), xs.get(2), xs.get(3)))
        .reshape(b * q, xs.get(1), xs.get(2), xs.get(3)); // [B * Q, C, h, w], image-major
    NDArray maps = bboxMask.reshape(b * q, ms.get(2), ms.get(3), ms.get(4)); // [B * Q, heads, h, w]
    NDArray y = NDArrays.concat(new NDList(expanded, maps), 1); // [B * Q, C + heads, h, w]
    y = stage(lay1, gn1, "gn1", y, taps);
    y = stage(lay2, gn2, "gn2", y, taps);
    y = stage(lay3, gn3, "gn3", fpn(adapter1, fpns.get(0), y, q), taps);
    y = stage(lay4, gn4, "gn4", fpn(adapter2, fpns.get(1), y, q), taps);
    y = stage(lay5, gn5, "gn5", fpn(adapter3, fpns.get(2), y, q), taps);
    return outLay.forward(y);
  }

  /** relu(gn(conv(x))), the GroupNorm output tapped. */
  private static NDArray stage(Conv2d conv, GroupNorm gn, String name, NDArray x,
      Map<String, NDArray> taps) {
    NDArray normed = gn.forward(conv.forward(x));
    if (taps != null) {
      taps.put(name, normed);
    }
    return Activation.relu(normed);
  }

  /** adapter(level), repeated per query, plus x upsampled (nearest) to the level's size. */
  private static NDArray fpn(Conv2d adapter, NDArray level, NDArray x, long q) {
    NDArray f = adapter.forward(level); // [B, c, h_l, w_l]
    Shape s = f.getShape();
    NDArray perQuery = f.expandDims(1).broadcast(new Shape(s.get(0), q, s.get(1), s.get(2), s.get(3)))
        .reshape(s.get(0) * q, s.get(1), s.get(2), s.get(3)); // [B * Q, c, h_l, w_l]
    return perQuery.add(Interpolate.nearest(x, s.get(2), s.get(3)));
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    return new NDList(forward(inputs.get(0), inputs.get(1),
        List.of(inputs.get(2), inputs.get(3), inputs.get(4)), null));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape m = inputShapes[1];
    Shape l1 = inputShapes[4];
    return new Shape[] {new Shape(m.get(0) * m.get(1), 1, l1.get(2), l1.get(3))};
  }
}

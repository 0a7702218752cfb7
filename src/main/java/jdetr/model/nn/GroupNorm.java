package jdetr.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/**
 * {@code nn.GroupNorm(groups, channels)} on [B, C, H, W] (eps 1e-5): each image's channels are split
 * into {@code groups} groups, each normalised by its own mean and biased variance over its channels
 * and pixels, then scaled and shifted per channel. Weight ones, bias zeros.
 */
public final class GroupNorm extends TorchBlock {

  private static final float EPS = 1e-5f;
  private final int groups;
  private final long channels;
  private final Parameter weight;
  private final Parameter bias;

  public GroupNorm(int groups, long channels, boolean trainable) {
    if (groups < 1 || channels % groups != 0) {
      throw new IllegalArgumentException(channels + " channels cannot be split into " + groups
          + " groups");
    }
    this.groups = groups;
    this.channels = channels;
    weight = param("weight", Parameter.Type.GAMMA, new Shape(channels), TorchInit.constant(1f),
        trainable);
    bias = param("bias", Parameter.Type.BETA, new Shape(channels), TorchInit.constant(0f),
        trainable);
  }

  /** [B, C, H, W] -> [B, C, H, W]. */
  public NDArray forward(NDArray x) {
    return scoped(() -> normalise(x), x);
  }

  private NDArray normalise(NDArray x) {
    Shape s = x.getShape();
    NDArray g = x.reshape(s.get(0), groups, -1); // [B, G, C/G * H * W]
    NDArray centred = g.sub(g.mean(new int[] {2}, true));
    NDArray variance = centred.square().mean(new int[] {2}, true); // biased, as PyTorch
    NDArray normed = centred.div(variance.add(EPS).sqrt()).reshape(s);
    NDArray w = onManagerOf(x, weight.getArray().reshape(1, channels, 1, 1));
    NDArray b = onManagerOf(x, bias.getArray().reshape(1, channels, 1, 1));
    return normed.mul(w).add(b);
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    return new NDList(forward(inputs.singletonOrThrow()));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }
}

package jdetr.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/** {@code nn.LayerNorm} over the last axis (eps 1e-5); weight ones, bias zeros. */
public final class LayerNorm extends TorchBlock {

  private static final float EPS = 1e-5f;
  private final long dim;
  private final Parameter weight;
  private final Parameter bias;

  public LayerNorm(long dim, boolean trainable) {
    this.dim = dim;
    weight = param("weight", Parameter.Type.GAMMA, new Shape(dim), TorchInit.constant(1f), trainable);
    bias = param("bias", Parameter.Type.BETA, new Shape(dim), TorchInit.constant(0f), trainable);
  }

  public NDArray forward(NDArray x) {
    return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(dim), weight.getArray(),
        bias.getArray(), EPS).singletonOrThrow();
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

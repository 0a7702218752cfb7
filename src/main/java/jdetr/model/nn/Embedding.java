package jdetr.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;

/** {@code nn.Embedding}: a table of {@code count} rows of {@code dim} values (weight [count, dim]). */
public final class Embedding extends TorchBlock {

  private final long count;
  private final long dim;
  private final Parameter weight;

  /** PyTorch's default initialization: standard normal. */
  public Embedding(long count, long dim, boolean trainable) {
    this(count, dim, TorchInit.normal(0f, 1f), trainable);
  }

  public Embedding(long count, long dim, Initializer init, boolean trainable) {
    this.count = count;
    this.dim = dim;
    weight = param("weight", Parameter.Type.WEIGHT, new Shape(count, dim), init, trainable);
  }

  /** The whole table, [count, dim]. */
  public NDArray table() {
    return weight.getArray();
  }

  /** Rows 0..n-1 as [n, dim], handed to the manager of {@code like}. */
  public NDArray firstRows(long n, NDArray like) {
    if (n > count) {
      throw new IllegalArgumentException("embedding has " + count + " rows, " + n + " requested");
    }
    return onManagerOf(like, weight.getArray().get("0:" + n));
  }

  public long count() {
    return count;
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    NDArray idx = inputs.singletonOrThrow();
    return new NDList(onManagerOf(idx, weight.getArray().get(idx)));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0].add(dim)};
  }
}

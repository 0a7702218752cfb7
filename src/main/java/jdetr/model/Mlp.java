package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.initializer.Initializer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import jdetr.model.nn.Linear;
import jdetr.model.nn.TorchBlock;

/** A multi-layer perceptron ({@code layers.N}) with ReLU between layers, none after the last. */
public final class Mlp extends TorchBlock {

  private final List<Linear> layers = new ArrayList<>();
  private final long outputDim;

  public Mlp(long inputDim, long hiddenDim, long outputDim, int numLayers, boolean trainable) {
    this(inputDim, hiddenDim, outputDim, numLayers, null, null, trainable);
  }

  /**
   * An MLP whose last layer starts from the given initializers (null: nn.Linear's default), as
   * Deformable DETR's box head (zero weight, bias with -2 for the size).
   */
  public Mlp(long inputDim, long hiddenDim, long outputDim, int numLayers, Initializer lastWeight,
      Initializer lastBias, boolean trainable) {
    this.outputDim = outputDim;
    for (int i = 0; i < numLayers; i++) {
      long in = i == 0 ? inputDim : hiddenDim;
      long out = i == numLayers - 1 ? outputDim : hiddenDim;
      Linear layer = i == numLayers - 1 && lastWeight != null
          ? new Linear(in, out, lastWeight, lastBias, trainable)
          : new Linear(in, out, trainable);
      layers.add(child("layers." + i, layer));
    }
  }

  /** The layers in order. */
  public List<Linear> layers() {
    return Collections.unmodifiableList(layers);
  }

  /** [..., inputDim] -> [..., outputDim]. */
  public NDArray forward(NDArray x) {
    for (int i = 0; i < layers.size(); i++) {
      x = layers.get(i).forward(x);
      if (i < layers.size() - 1) {
        x = Activation.relu(x);
      }
    }
    return x;
  }

  @Override
  protected NDList forwardList(NDList inputs, boolean training) {
    return new NDList(forward(inputs.singletonOrThrow()));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape s = inputShapes[0];
    return new Shape[] {s.slice(0, s.dimension() - 1).add(outputDim)};
  }
}

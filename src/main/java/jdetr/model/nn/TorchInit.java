package jdetr.model.nn;

import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;

/**
 * PyTorch's parameter initializations, drawn from libtorch's generator (seeded through
 * {@code Engine.setRandomSeed}). Fan-in and fan-out follow {@code torch.nn.init}: dimension 1 and
 * dimension 0 times the receptive field (the product of the remaining dimensions).
 */
public final class TorchInit {

  private TorchInit() {}

  public static Initializer constant(float value) {
    return (m, shape, type) -> m.full(shape, value, type);
  }

  public static Initializer uniform(float low, float high) {
    return (m, shape, type) -> m.randomUniform(low, high, shape, type);
  }

  public static Initializer normal(float mean, float std) {
    return (m, shape, type) -> m.randomNormal(mean, std, shape, type);
  }

  /**
   * {@code nn.Linear} / {@code nn.Conv2d} default: weight kaiming_uniform(a=sqrt(5)) and bias
   * uniform, both bounded by 1/sqrt(fan_in) of the layer's weight.
   */
  public static Initializer torchDefault(long fanIn) {
    float bound = (float) (1.0 / Math.sqrt(fanIn));
    return uniform(-bound, bound);
  }

  /** {@code nn.init.xavier_uniform_} with gain 1. */
  public static Initializer xavierUniform() {
    return (m, shape, type) -> {
      float bound = (float) Math.sqrt(6.0 / (fanIn(shape) + fanOut(shape)));
      return m.randomUniform(-bound, bound, shape, type);
    };
  }

  /**
   * {@code nn.init.kaiming_uniform_(a=a)} (fan_in, leaky_relu gain {@code sqrt(2 / (1 + a^2))}):
   * uniform within {@code gain * sqrt(3 / fan_in)}.
   */
  public static Initializer kaimingUniform(double a) {
    return (m, shape, type) -> {
      float bound = (float) (Math.sqrt(2.0 / (1 + a * a)) * Math.sqrt(3.0 / fanIn(shape)));
      return m.randomUniform(-bound, bound, shape, type);
    };
  }

  /** {@code nn.init.kaiming_normal_(mode="fan_out", nonlinearity="relu")}, torchvision's conv init. */
  public static Initializer kaimingNormalFanOut() {
    return (m, shape, type) -> m.randomNormal(0f, (float) Math.sqrt(2.0 / fanOut(shape)), shape, type);
  }

  static long receptiveField(Shape shape) {
    long r = 1;
    for (int i = 2; i < shape.dimension(); i++) {
      r *= shape.get(i);
    }
    return r;
  }

  static long fanIn(Shape shape) {
    return shape.get(1) * receptiveField(shape);
  }

  static long fanOut(Shape shape) {
    return shape.get(0) * receptiveField(shape);
  }
}

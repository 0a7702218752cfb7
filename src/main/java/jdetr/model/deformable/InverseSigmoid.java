package jdetr.model.deformable;

import ai.djl.ndarray.NDArray;
import jdetr.autograd.GraphSafe;

/**
 * The inverse of the sigmoid as the reference computes it ({@code util.misc.inverse_sigmoid}):
 * {@code x = clamp(x, 0, 1); log(clamp(x, min=eps) / clamp(1 - x, min=eps))}, eps 1e-5, with
 * clamp's gradient (passed through inside the bounds, 0 outside).
 */
public final class InverseSigmoid {

  private static final float EPS = 1e-5f;

  private InverseSigmoid() {}

  public static NDArray of(NDArray x) {
    NDArray clamped = GraphSafe.clip(x, 0f, 1f);
    NDArray x1 = GraphSafe.clip(clamped, EPS, Float.POSITIVE_INFINITY);
    NDArray x2 = GraphSafe.clip(clamped.neg().add(1f), EPS, Float.POSITIVE_INFINITY);
    return x1.div(x2).log();
  }
}

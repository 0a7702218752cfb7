package jdetr.model.nn;

import ai.djl.ndarray.NDArray;

/**
 * {@code F.interpolate} of [N, C, H, W] to a given spatial size, differentiable (libtorch's
 * {@code upsample_nearest2d} / {@code upsample_bilinear2d}).
 */
public final class Interpolate {

  // the engine's mode numbers (its interpolation-mode table: 0 nearest, 1 bilinear)
  private static final int NEAREST = 0;
  private static final int BILINEAR = 1;

  private Interpolate() {}

  /** {@code mode="nearest"}: output pixel i reads input {@code min(floor(i * in / out), in - 1)}. */
  public static NDArray nearest(NDArray x, long height, long width) {
    return x.getNDArrayInternal().interpolation(new long[] {height, width}, NEAREST, false);
  }

  /**
   * {@code mode="bilinear", align_corners=False}. The engine asks libtorch for the antialiased
   * kernel, which for upsampling weighs the same two neighbours (equal to plain bilinear within a
   * float rounding); use it to upsample only.
   */
  public static NDArray bilinear(NDArray x, long height, long width) {
    return x.getNDArrayInternal().interpolation(new long[] {height, width}, BILINEAR, false);
  }
}

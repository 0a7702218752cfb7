package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * The padding mask (true = padded pixel) brought to a feature map's size the way DETR does it,
 * {@code F.interpolate(mask.float(), size, mode="nearest").bool()}: row i of the output reads
 * input row {@code min(floor(i * (in / out)), in - 1)}, computed in single precision like
 * libtorch's nearest kernel (with its exact paths for equal and doubled sizes).
 */
public final class PaddingMask {

  private PaddingMask() {}

  /**
   * @param mask [B, H, W] boolean
   * @return [B, h, w] boolean on the mask's manager
   */
  public static NDArray downsample(NDArray mask, long h, long w) {
    Shape s = mask.getShape();
    int b = Math.toIntExact(s.get(0));
    int inH = Math.toIntExact(s.get(1));
    int inW = Math.toIntExact(s.get(2));
    int outH = Math.toIntExact(h);
    int outW = Math.toIntExact(w);
    boolean[] src = mask.toBooleanArray();
    int[] rows = sourceIndices(inH, outH);
    int[] cols = sourceIndices(inW, outW);
    boolean[] dst = new boolean[b * outH * outW];
    for (int n = 0; n < b; n++) {
      for (int i = 0; i < outH; i++) {
        int srcRow = (n * inH + rows[i]) * inW;
        int dstRow = (n * outH + i) * outW;
        for (int j = 0; j < outW; j++) {
          dst[dstRow + j] = src[srcRow + cols[j]];
        }
      }
    }
    return mask.getManager().create(dst, new Shape(b, outH, outW));
  }

  /** libtorch's {@code nearest_idx} for one axis. */
  static int[] sourceIndices(int in, int out) {
    int[] idx = new int[out];
    float scale = (float) in / out;
    for (int i = 0; i < out; i++) {
      if (out == in) {
        idx[i] = i;
      } else if (out == 2 * in) {
        idx[i] = i >> 1;
      } else {
        idx[i] = Math.min((int) Math.floor((float) i * scale), in - 1);
      }
    }
    return idx;
  }
}

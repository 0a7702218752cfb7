package jdetr.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import jdetr.data.InstanceMasks;

/**
 * The reference's {@code PostProcessSegm}: each query's mask logits become a binary mask of the
 * original image. The logits of the padded batch are resized bilinearly (align_corners false) to
 * the batch's largest transformed image size, thresholded ({@code sigmoid > threshold}, 0.5 by
 * default), cropped to each image's own transformed size, and resized to its original size with
 * torch's nearest rule ({@link InstanceMasks#resize}).
 *
 * <p>The bilinear resize is torch's CPU kernel written out in float32 (source index {@code
 * max(scale * (d + 0.5) - 0.5, 0)} with {@code scale = in / out}, the neighbour clamped at the
 * edge, {@code (x00 w0 + x01 w1) h0 + (x10 w0 + x11 w1) h1}); the sigmoid is float32 too. Only a
 * logit within a few ulp of the threshold's could fall on the other side than in libtorch.
 */
public final class PostProcessSegm {
  private final float threshold;

  public PostProcessSegm() {
    this(0.5f);
  }

  public PostProcessSegm(float threshold) {
    this.threshold = threshold;
  }

  /**
   * @param predMasks [B, Q, h, w] mask logits of the padded batch (the model's {@code pred_masks})
   * @param sizes [B][2] each image's transformed, unpadded (height, width) ({@code target["size"]})
   * @param origSizes [B][2] each image's original (height, width)
   * @return per image, Q masks [Q, H0, W0] of its original size, in query order
   */
  public List<InstanceMasks> apply(NDArray predMasks, int[][] sizes, int[][] origSizes) {
    Shape s = predMasks.getShape();
    if (s.dimension() != 4 || s.get(0) != sizes.length || origSizes.length != sizes.length) {
      throw new IllegalArgumentException("pred_masks " + s + " for " + sizes.length + " sizes and "
          + origSizes.length + " original sizes");
    }
    int b = sizes.length, q = (int) s.get(1);
    int maxH = 0, maxW = 0;
    for (int[] hw : sizes) {
      maxH = Math.max(maxH, hw[0]);
      maxW = Math.max(maxW, hw[1]);
    }
    int h = (int) s.get(2), w = (int) s.get(3);
    float[] logits; // [B, Q, h, w]
    if (predMasks.getDataType() == DataType.FLOAT32) {
      logits = predMasks.toFloatArray();
    } else {
      try (NDArray f = predMasks.toType(DataType.FLOAT32, true)) {
        logits = f.toFloatArray();
      }
    }
    Axis rows = new Axis(h, maxH), cols = new Axis(w, maxW);
    List<InstanceMasks> out = new ArrayList<>(b);
    int plane = maxH * maxW;
    for (int i = 0; i < b; i++) {
      byte[] image = new byte[q * plane];
      for (int k = 0; k < q; k++) {
        threshold(logits, (i * q + k) * h * w, w, rows, cols, image, k * plane);
      }
      out.add(new InstanceMasks(q, maxH, maxW, image)
          .crop(0, 0, sizes[i][0], sizes[i][1])
          .resize(origSizes[i][0], origSizes[i][1]));
    }
    return out;
  }

  /** Upsamples one [h, w] plane of logits and writes {@code sigmoid > threshold} as 0/1 bytes. */
  private void threshold(float[] logits, int base, int w, Axis rows, Axis cols, byte[] out,
      int offset) {
    int outW = cols.size();
    for (int y = 0; y < rows.size(); y++) {
      int r0 = base + rows.i0[y] * w, r1 = base + rows.i1[y] * w;
      float h0 = rows.l0[y], h1 = rows.l1[y];
      for (int x = 0; x < outW; x++) {
        int c0 = cols.i0[x], c1 = cols.i1[x];
        float w0 = cols.l0[x], w1 = cols.l1[x];
        float v = (logits[r0 + c0] * w0 + logits[r0 + c1] * w1) * h0
            + (logits[r1 + c0] * w0 + logits[r1 + c1] * w1) * h1;
        float sigmoid = 1f / (1f + (float) Math.exp(-v));
        out[offset + y * outW + x] = (byte) (sigmoid > threshold ? 1 : 0);
      }
    }
  }

  /** torch's linear-interpolation indices and weights along one axis (align_corners false). */
  private static final class Axis {
    final int[] i0;
    final int[] i1;
    final float[] l0;
    final float[] l1;

    Axis(int in, int out) {
      i0 = new int[out];
      i1 = new int[out];
      l0 = new float[out];
      l1 = new float[out];
      float scale = (float) in / out;
      for (int d = 0; d < out; d++) {
        float real = (float) (scale * (d + 0.5) - 0.5); // double, then float, as the kernel
        if (real < 0) real = 0;
        int index = Math.min((int) Math.floor(real), in - 1);
        float lambda = Math.min(Math.max(real - index, 0f), 1f);
        i0[d] = index;
        i1[d] = index + (index < in - 1 ? 1 : 0);
        l0[d] = 1f - lambda;
        l1[d] = lambda;
      }
    }

    int size() {
      return i0.length;
    }
  }
}

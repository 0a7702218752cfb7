package jdetr.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import jdetr.data.InstanceMasks;
import jdetr.eval.panoptic.BilinearUpsampling;

/**
 * The reference's {@code PostProcessSegm}: each query's mask logits become a binary mask of the
 * original image. The logits of the padded batch are resized bilinearly (align_corners false) to
 * the batch's largest transformed image size, thresholded ({@code sigmoid > threshold}, 0.5 by
 * default), cropped to each image's own transformed size, and resized to its original size with
 * torch's nearest rule ({@link InstanceMasks#resize}).
 *
 * <p>The bilinear resize is torch's CPU kernel to the bit ({@link BilinearUpsampling}); the
 * sigmoid is float32 {@code 1 / (1 + exp(-x))}, so only a logit within a few ulp of the
 * threshold's could fall on the other side than in libtorch.
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
    List<InstanceMasks> out = new ArrayList<>(b);
    int plane = maxH * maxW;
    for (int i = 0; i < b; i++) {
      int origPlane = origSizes[i][0] * origSizes[i][1];
      byte[] image = new byte[q * origPlane]; // [Q, H0, W0]
      for (int k = 0; k < q; k++) { // one query at a time
        float[] map = java.util.Arrays.copyOfRange(logits, (i * q + k) * h * w,
            (i * q + k + 1) * h * w);
        float[] up = BilinearUpsampling.resize(map, 1, h, w, maxH, maxW); // [maxH, maxW]
        byte[] binary = new byte[plane];
        for (int p = 0; p < plane; p++) {
          float sigmoid = 1f / (1f + (float) Math.exp(-up[p]));
          binary[p] = (byte) (sigmoid > threshold ? 1 : 0);
        }
        InstanceMasks mask = new InstanceMasks(1, maxH, maxW, binary)
            .crop(0, 0, sizes[i][0], sizes[i][1])
            .resize(origSizes[i][0], origSizes[i][1]);
        System.arraycopy(mask.pixels(), 0, image, k * origPlane, origPlane);
      }
      out.add(new InstanceMasks(q, origSizes[i][0], origSizes[i][1], image));
    }
    return out;
  }
}

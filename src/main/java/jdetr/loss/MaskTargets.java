package jdetr.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import jdetr.data.Target;

/**
 * The instance masks of a step's images, as the mask losses read them: the reference pads them as
 * one nested tensor ({@code nested_tensor_from_tensor_list}) to the largest height and width of the
 * batch, and the predictions are upsampled to that padded size. A step split into micro-batches
 * keeps the whole step's padded size in every part ({@link #slice}), as the images themselves are
 * padded once for the step, so the parts add up to the full-batch loss.
 *
 * @param perImage per image, [N_i, H_i, W_i] (boolean, uint8 or float; non-zero = inside), N_i its
 *     targets in {@link jdetr.data.Target} order (0 for an image without targets)
 * @param paddedHeight max H_i over the step
 * @param paddedWidth max W_i over the step
 */
public record MaskTargets(List<NDArray> perImage, long paddedHeight, long paddedWidth) {

  public MaskTargets {
    perImage = List.copyOf(perImage);
    for (int i = 0; i < perImage.size(); i++) {
      Shape s = perImage.get(i).getShape();
      if (s.dimension() != 3 || s.get(1) > paddedHeight || s.get(2) > paddedWidth) {
        throw new IllegalArgumentException("image " + i + ": target masks must be [N, H, W] within "
            + paddedHeight + "x" + paddedWidth + ", got " + s);
      }
    }
  }

  /** The masks of a whole step, padded to their own largest height and width. */
  public static MaskTargets of(List<NDArray> perImage) {
    long h = 0;
    long w = 0;
    for (NDArray m : perImage) {
      Shape s = m.getShape();
      if (s.dimension() != 3) {
        throw new IllegalArgumentException("target masks must be [N, H, W], got " + s);
      }
      h = Math.max(h, s.get(1));
      w = Math.max(w, s.get(2));
    }
    return new MaskTargets(perImage, h, w);
  }

  /** Checks that there is one image per target list and one mask per target. */
  public void requireOnePerTarget(List<Target> targets) {
    if (perImage.size() != targets.size()) {
      throw new IllegalArgumentException(perImage.size() + " images of target masks for "
          + targets.size() + " images of targets");
    }
    for (int i = 0; i < targets.size(); i++) {
      long n = perImage.get(i).getShape().get(0);
      if (n != targets.get(i).size()) {
        throw new IllegalArgumentException("image " + i + " (id " + targets.get(i).imageId() + "): "
            + n + " target masks for " + targets.get(i).size() + " targets");
      }
    }
  }

  /** Images {@code from} (inclusive) to {@code to} (exclusive), keeping this padded size. */
  public MaskTargets slice(int from, int to) {
    return new MaskTargets(perImage.subList(from, to), paddedHeight, paddedWidth);
  }

  public int size() {
    return perImage.size();
  }
}

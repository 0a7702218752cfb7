package jdetr.data;

import java.util.List;

/**
 * A collated batch, as DETR's {@code nested_tensor_from_tensor_list} builds it: images padded with
 * zeros at the bottom and right to the largest height and width, and a mask that is true on
 * padding.
 *
 * @param size number of images B
 * @param height padded height H (the largest image height)
 * @param width padded width W (the largest image width)
 * @param imageHeights [B] unpadded heights
 * @param imageWidths [B] unpadded widths
 * @param pixels [B, 3, H, W] float32, normalised
 * @param mask [B, H, W], true = padding
 * @param targets B targets, boxes in normalised cxcywh of each unpadded image; with masks, each
 *     image's at its own unpadded size ({@link #paddedMasks} pads them)
 */
public record Batch(
    int size,
    int height,
    int width,
    int[] imageHeights,
    int[] imageWidths,
    float[] pixels,
    boolean[] mask,
    List<Target> targets) {

  public Batch {
    targets = List.copyOf(targets);
    long plane = (long) height * width;
    if (imageHeights.length != size || imageWidths.length != size || targets.size() != size
        || pixels.length != 3 * size * plane || mask.length != size * plane) {
      throw new IllegalArgumentException("batch of " + size + " at " + height + "x" + width
          + ": inconsistent lengths");
    }
  }

  /** Pixel (c, y, x) of image b. */
  public float at(int b, int c, int y, int x) {
    return pixels[((b * 3 + c) * height + y) * width + x];
  }

  /**
   * Image b's instance masks {@code [N_b, H, W]} padded with zeros to the batch's size, as the
   * reference pads target masks ({@code nested_tensor_from_tensor_list}) for the mask losses;
   * null when the targets carry no masks.
   */
  public InstanceMasks paddedMasks(int b) {
    InstanceMasks m = targets.get(b).masks();
    return m == null ? null : m.pad(height, width);
  }

  /** Whether (y, x) of image b is padding. */
  public boolean padded(int b, int y, int x) {
    return mask[(b * height + y) * width + x];
  }
}

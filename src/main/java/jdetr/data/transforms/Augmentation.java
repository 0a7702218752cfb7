package jdetr.data.transforms;

/**
 * The random choices of one train augmentation, drawn in the reference's order: flip, branch, then
 * either the resize size, or the pre-crop size, the crop region and the final size.
 *
 * @param flip mirror horizontally
 * @param resizeOnly the plain-resize branch (else resize, crop, resize)
 * @param cropResizeSize short side before the crop (crop branch only)
 * @param cropTop crop region top (crop branch only)
 * @param cropLeft crop region left
 * @param cropHeight crop region height
 * @param cropWidth crop region width
 * @param size short side of the final resize
 */
public record Augmentation(
    boolean flip,
    boolean resizeOnly,
    int cropResizeSize,
    int cropTop,
    int cropLeft,
    int cropHeight,
    int cropWidth,
    int size) {

  /** Plain-resize branch. */
  public static Augmentation resize(boolean flip, int size) {
    return new Augmentation(flip, true, 0, 0, 0, 0, 0, size);
  }

  /** Resize, crop, resize branch. */
  public static Augmentation cropped(boolean flip, int cropResizeSize, int top, int left,
      int height, int width, int size) {
    return new Augmentation(flip, false, cropResizeSize, top, left, height, width, size);
  }
}

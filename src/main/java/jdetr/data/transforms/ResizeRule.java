package jdetr.data.transforms;

/**
 * The output size of DETR's resize ({@code get_size_with_aspect_ratio}), integer for integer:
 * the short side becomes {@code size}, unless the long side would exceed {@code maxSize}; then
 * {@code size = round(maxSize * short / long)} (Python's round: half to even). The long side is
 * {@code int(size * long / short)} (floor). An image whose short side already equals {@code size}
 * keeps its size.
 */
public final class ResizeRule {
  /** No limit on the long side. */
  public static final int NO_MAX = 0;

  private ResizeRule() {}

  /** {height, width} after resizing a {@code width x height} image to short side {@code size}. */
  public static int[] outputSize(int width, int height, int size, int maxSize) {
    if (maxSize != NO_MAX) {
      double minOriginal = Math.min(width, height);
      double maxOriginal = Math.max(width, height);
      if (maxOriginal / minOriginal * size > maxSize) {
        size = (int) Math.rint(maxSize * minOriginal / maxOriginal);
      }
    }
    if ((width <= height && width == size) || (height <= width && height == size)) {
      return new int[] {height, width};
    }
    if (width < height) {
      return new int[] {(int) ((double) ((long) size * height) / width), size};
    }
    return new int[] {size, (int) ((double) ((long) size * width) / height)};
  }
}

package jdetr.data;

/**
 * What an image file may declare before anything is decoded: hostile files (decompression bombs,
 * huge declared sizes) are refused from their header.
 *
 * @param maxPixels largest width x height (default PIL's {@code Image.MAX_IMAGE_PIXELS})
 * @param maxSide largest width or height
 * @param maxFileBytes largest file size
 */
public record ImageLimits(long maxPixels, int maxSide, long maxFileBytes) {
  public static final ImageLimits DEFAULT = new ImageLimits(89_478_485L, 30_000, 100L << 20);

  /** The default limits with another pixel limit. */
  public static ImageLimits withMaxPixels(long maxPixels) {
    return new ImageLimits(maxPixels, DEFAULT.maxSide, DEFAULT.maxFileBytes);
  }

  public ImageLimits {
    if (maxPixels <= 0 || maxSide <= 0 || maxFileBytes <= 0) {
      throw new IllegalArgumentException("image limits must be positive: " + maxPixels + ", "
          + maxSide + ", " + maxFileBytes);
    }
  }

  /** Refuses a header whose declared size is over the limits. */
  public void check(String name, ImageHeader header) throws ImageRejectedException {
    long pixels = (long) header.width() * header.height();
    if (pixels > maxPixels || header.width() > maxSide || header.height() > maxSide) {
      throw new ImageRejectedException(name,
          "too_many_pixels(" + header.width() + "x" + header.height() + ")", pixels > maxPixels
              ? "the limit is " + maxPixels + " pixels" : "the limit is " + maxSide + " pixels a side");
    }
  }

  /** Refuses a file over the size limit. */
  public void checkFileSize(String name, long bytes) throws ImageRejectedException {
    if (bytes > maxFileBytes) {
      throw new ImageRejectedException(name, "file_too_large(" + bytes + " bytes)",
          "the limit is " + maxFileBytes + " bytes");
    }
  }
}

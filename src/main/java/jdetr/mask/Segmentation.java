package jdetr.mask;

import java.util.List;

/**
 * An object's {@code segmentation} as a COCO file gives it, in one of its three forms.
 * {@link #toRle} builds the mask as pycocotools' {@code COCO.annToRLE} does.
 */
public sealed interface Segmentation {

  /**
   * The mask on an image of {@code imageHeight x imageWidth} pixels.
   *
   * @param imageHeight the image's height, or -1 when the file does not give it
   * @param imageWidth the image's width, or -1
   * @throws IllegalArgumentException when the mask's size disagrees with the image's, or a
   *     polygon needs an image size that is not known
   */
  Rle toRle(int imageHeight, int imageWidth);

  /**
   * Polygons {@code [[x0, y0, x1, y1, ...], ...]} in pixels, each of at least 3 points: their
   * union (pycocotools' {@code frPyObjects} + {@code merge}).
   */
  record Polygons(List<double[]> polygons) implements Segmentation {
    public Polygons {
      polygons = List.copyOf(polygons);
    }

    @Override
    public Rle toRle(int imageHeight, int imageWidth) {
      if (imageHeight < 0 || imageWidth < 0) {
        throw new IllegalArgumentException("polygons need the image's height and width,"
            + " which the file does not give");
      }
      return PolygonRasterizer.rasterizeAll(polygons, imageHeight, imageWidth);
    }
  }

  /** Uncompressed RLE {@code {"size": [h, w], "counts": [n0, n1, ...]}} (crowds), column-major. */
  record UncompressedRle(Rle rle) implements Segmentation {
    @Override
    public Rle toRle(int imageHeight, int imageWidth) {
      checkSize(rle, imageHeight, imageWidth);
      return rle;
    }
  }

  /** Compressed RLE {@code {"size": [h, w], "counts": "string"}} ({@link RleString}). */
  record CompressedRle(Rle rle) implements Segmentation {
    @Override
    public Rle toRle(int imageHeight, int imageWidth) {
      checkSize(rle, imageHeight, imageWidth);
      return rle;
    }
  }

  private static void checkSize(Rle rle, int imageHeight, int imageWidth) {
    if (imageHeight >= 0 && imageWidth >= 0
        && (rle.height() != imageHeight || rle.width() != imageWidth)) {
      throw new IllegalArgumentException("RLE size [" + rle.height() + ", " + rle.width()
          + "] differs from the image's [" + imageHeight + ", " + imageWidth + "]");
    }
  }
}

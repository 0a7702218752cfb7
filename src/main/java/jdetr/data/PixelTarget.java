package jdetr.data;

/**
 * The objects of one image while it is being transformed: boxes in pixels of the current image,
 * corners {@code [x0, y0, x1, y1]} (the reference's target dict before {@code Normalize}). All
 * arithmetic on it is float32, as the reference's tensors are.
 *
 * @param imageId COCO image id
 * @param labels raw category ids [T]
 * @param boxes [T, 4] row-major xyxy in pixels of the current image
 * @param area [T] areas (from the annotation, scaled by resizes, recomputed by crops)
 * @param iscrowd [T]
 * @param origHeight height of the image as decoded
 * @param origWidth width of the image as decoded
 * @param height current image height
 * @param width current image width
 * @param masks [T, height, width] instance masks, or null when masks are not requested
 */
public record PixelTarget(
    long imageId,
    int[] labels,
    float[] boxes,
    float[] area,
    boolean[] iscrowd,
    int origHeight,
    int origWidth,
    int height,
    int width,
    InstanceMasks masks) {

  public PixelTarget {
    int t = labels.length;
    if (boxes.length != 4 * t || area.length != t || iscrowd.length != t) {
      throw new IllegalArgumentException("image " + imageId + ": " + t + " labels but "
          + boxes.length + " box values, " + area.length + " areas, " + iscrowd.length
          + " crowd flags");
    }
    if (masks != null && (masks.count() != labels.length || masks.height() != height
        || masks.width() != width)) {
      throw new IllegalArgumentException("image " + imageId + ": " + labels.length + " objects on "
          + height + "x" + width + " but masks " + masks);
    }
  }

  /** A target without masks. */
  public PixelTarget(long imageId, int[] labels, float[] boxes, float[] area, boolean[] iscrowd,
      int origHeight, int origWidth, int height, int width) {
    this(imageId, labels, boxes, area, iscrowd, origHeight, origWidth, height, width, null);
  }

  /** Number of objects T. */
  public int size() {
    return labels.length;
  }

  /** The same objects on an image of another size (boxes, areas and masks, or null, given). */
  public PixelTarget with(float[] newBoxes, float[] newArea, int newHeight, int newWidth,
      InstanceMasks newMasks) {
    return new PixelTarget(imageId, labels, newBoxes, newArea, iscrowd, origHeight, origWidth,
        newHeight, newWidth, newMasks);
  }

  /**
   * Keeps the objects whose flag is set, in order ({@code fromMasks} are the masks at the new
   * size, or null).
   */
  public PixelTarget keep(boolean[] keep, float[] fromBoxes, float[] fromArea, int newHeight,
      int newWidth, InstanceMasks fromMasks) {
    int n = 0;
    for (boolean k : keep) if (k) n++;
    int[] l = new int[n];
    float[] b = new float[4 * n];
    float[] a = new float[n];
    boolean[] c = new boolean[n];
    for (int i = 0, j = 0; i < keep.length; i++) {
      if (!keep[i]) continue;
      l[j] = labels[i];
      System.arraycopy(fromBoxes, 4 * i, b, 4 * j, 4);
      a[j] = fromArea[i];
      c[j] = iscrowd[i];
      j++;
    }
    return new PixelTarget(imageId, l, b, a, c, origHeight, origWidth, newHeight, newWidth,
        fromMasks == null ? null : fromMasks.keep(keep));
  }
}

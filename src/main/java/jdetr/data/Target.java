package jdetr.data;

/**
 * The ground truth of one image as the model is supervised with it, after the transforms: what DETR's
 * {@code targets[i]} dict holds.
 *
 * @param imageId COCO image id
 * @param labels raw COCO category ids, one per object (length T)
 * @param boxes [T, 4] row-major, cxcywh normalised by the transformed, unpadded image size
 * @param area [T] box areas in pixels of the transformed image (used by evaluation area ranges)
 * @param iscrowd [T] crowd flags (crowd objects are excluded from training targets, kept for eval)
 * @param origHeight original image height in pixels
 * @param origWidth original image width in pixels
 * @param height transformed, unpadded image height
 * @param width transformed, unpadded image width
 * @param masks [T, height, width] instance masks of the transformed image, or null when masks are
 *     not requested
 */
public record Target(
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

  public Target {
    if (boxes.length != 4 * labels.length) {
      throw new IllegalArgumentException(
          "image " + imageId + ": " + labels.length + " labels but " + boxes.length / 4.0 + " boxes");
    }
    if (masks != null && (masks.count() != labels.length || masks.height() != height
        || masks.width() != width)) {
      throw new IllegalArgumentException("image " + imageId + ": " + labels.length + " objects on "
          + height + "x" + width + " but masks " + masks);
    }
  }

  /** A target without masks. */
  public Target(long imageId, int[] labels, float[] boxes, float[] area, boolean[] iscrowd,
      int origHeight, int origWidth, int height, int width) {
    this(imageId, labels, boxes, area, iscrowd, origHeight, origWidth, height, width, null);
  }

  /** A target with only what the loss needs: labels and normalised cxcywh boxes. */
  public static Target of(int[] labels, float[] boxes) {
    return new Target(-1, labels, boxes, new float[labels.length], new boolean[labels.length], 0, 0, 0, 0);
  }

  /** Number of objects T. */
  public int size() {
    return labels.length;
  }
}

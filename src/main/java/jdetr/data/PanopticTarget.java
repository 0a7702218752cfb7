package jdetr.data;

/**
 * The ground truth of one COCO panoptic image as the reference's {@code CocoPanoptic} builds it,
 * before the transforms: one entry per {@code segments_info} segment, in its order.
 *
 * @param imageId {@code image_id}
 * @param image the image file ({@code file_name} with {@code .jpg} for {@code .png})
 * @param height image height ({@code size} and {@code orig_size} are (height, width))
 * @param width image width
 * @param segmentIds [N] the segments' ids in the PNG
 * @param labels [N] {@code category_id}
 * @param boxes [N, 4] xyxy from the masks as the reference's {@code masks_to_boxes}: the first and
 *     last column and row of each mask (inclusive pixel indices)
 * @param iscrowd [N] {@code iscrowd}
 * @param area [N] {@code area} from the JSON
 * @param png the segmentation the masks come from
 */
public record PanopticTarget(
    long imageId,
    java.nio.file.Path image,
    int height,
    int width,
    long[] segmentIds,
    int[] labels,
    float[] boxes,
    int[] iscrowd,
    long[] area,
    PanopticPng png) {

  /** Number of segments N. */
  public int size() {
    return labels.length;
  }

  /** The masks, [N, H, W] row-major, 1 where the PNG holds the segment's id. */
  public byte[] masks() {
    int n = size(), pixels = height * width;
    byte[] masks = new byte[n * pixels];
    int[] ids = png.ids();
    for (int k = 0; k < n; k++) {
      long id = segmentIds[k];
      for (int p = 0; p < pixels; p++) {
        if (ids[p] == id) {
          masks[k * pixels + p] = 1;
        }
      }
    }
    return masks;
  }

  /**
   * The training target before the transforms (the reference's {@code CocoPanoptic} target): every
   * segment, crowd ones included, with its label, its box, {@code iscrowd}, the JSON's area and
   * its mask; the image's size as both original and current size.
   */
  public PixelTarget pixelTarget() {
    int n = size();
    float[] a = new float[n];
    boolean[] crowd = new boolean[n];
    for (int k = 0; k < n; k++) {
      a[k] = area[k];
      crowd[k] = iscrowd[k] != 0;
    }
    return new PixelTarget(imageId, labels.clone(), boxes.clone(), a, crowd, height, width, height,
        width, new InstanceMasks(n, height, width, masks()));
  }
}

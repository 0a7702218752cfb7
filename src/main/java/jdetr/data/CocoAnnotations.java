package jdetr.data;

import java.util.Arrays;

/**
 * The {@code annotations} section of a COCO annotations file, in file order, as parallel arrays
 * (compact: the 860k objects of COCO train2017 take about 55 MB). Segmentations are not kept.
 *
 * @param size number of entries
 * @param ids annotation ids ({@code id})
 * @param imageIds {@code image_id}
 * @param categoryIds raw {@code category_id} (DETR keeps the raw ids as labels)
 * @param bboxes {@code bbox} as given, [size, 4] row-major x, y, width, height in pixels
 *     (NaN when missing)
 * @param areas {@code area} (NaN when missing)
 * @param crowd {@code iscrowd != 0} (absent means 0, as in the reference)
 * @param defects per entry, a bit set of the {@code MISSING_*} / {@code BAD_*} flags
 */
public record CocoAnnotations(
    int size,
    long[] ids,
    long[] imageIds,
    int[] categoryIds,
    double[] bboxes,
    double[] areas,
    boolean[] crowd,
    byte[] defects) {

  public static final byte MISSING_ID = 1;
  public static final byte MISSING_IMAGE_ID = 2;
  public static final byte MISSING_CATEGORY_ID = 4;
  /** bbox missing, not an array of 4 numbers. */
  public static final byte MISSING_BBOX = 8;
  /** area missing or not a number. */
  public static final byte MISSING_AREA = 16;
  /** iscrowd present but not 0 or 1. */
  public static final byte BAD_ISCROWD = 32;
  /** The entry is not a JSON object at all. */
  public static final byte NOT_AN_OBJECT = 64;

  /** The fields that training cannot do without. */
  public static final byte REQUIRED =
      MISSING_ID | MISSING_IMAGE_ID | MISSING_CATEGORY_ID | MISSING_BBOX | NOT_AN_OBJECT;

  /** Names of the required fields behind the flags of {@code defects}, for messages. */
  public static String describe(byte defect) {
    StringBuilder s = new StringBuilder();
    if ((defect & NOT_AN_OBJECT) != 0) s.append("not an object ");
    if ((defect & MISSING_ID) != 0) s.append("id ");
    if ((defect & MISSING_IMAGE_ID) != 0) s.append("image_id ");
    if ((defect & MISSING_CATEGORY_ID) != 0) s.append("category_id ");
    if ((defect & MISSING_BBOX) != 0) s.append("bbox ");
    return s.toString().trim();
  }

  /** Collects entries while the file streams by; arrays grow by doubling. */
  static final class Builder {
    private int size;
    private long[] ids = new long[256];
    private long[] imageIds = new long[256];
    private int[] categoryIds = new int[256];
    private double[] bboxes = new double[4 * 256];
    private double[] areas = new double[256];
    private boolean[] crowd = new boolean[256];
    private byte[] defects = new byte[256];

    void add(long id, long imageId, int categoryId, double x, double y, double w, double h,
        double area, boolean isCrowd, byte defect) {
      if (size == ids.length) {
        int n = size * 2;
        ids = Arrays.copyOf(ids, n);
        imageIds = Arrays.copyOf(imageIds, n);
        categoryIds = Arrays.copyOf(categoryIds, n);
        bboxes = Arrays.copyOf(bboxes, 4 * n);
        areas = Arrays.copyOf(areas, n);
        crowd = Arrays.copyOf(crowd, n);
        defects = Arrays.copyOf(defects, n);
      }
      ids[size] = id;
      imageIds[size] = imageId;
      categoryIds[size] = categoryId;
      bboxes[4 * size] = x;
      bboxes[4 * size + 1] = y;
      bboxes[4 * size + 2] = w;
      bboxes[4 * size + 3] = h;
      areas[size] = area;
      crowd[size] = isCrowd;
      defects[size] = defect;
      size++;
    }

    CocoAnnotations build() {
      return new CocoAnnotations(size, Arrays.copyOf(ids, size), Arrays.copyOf(imageIds, size),
          Arrays.copyOf(categoryIds, size), Arrays.copyOf(bboxes, 4 * size),
          Arrays.copyOf(areas, size), Arrays.copyOf(crowd, size), Arrays.copyOf(defects, size));
    }
  }
}

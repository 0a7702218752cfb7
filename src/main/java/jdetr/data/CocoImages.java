package jdetr.data;

import java.util.Arrays;

/**
 * The {@code images} section of a COCO annotations file, in file order, as parallel arrays.
 *
 * @param size number of entries
 * @param ids image ids ({@code id})
 * @param fileNames {@code file_name}, relative to the image folder (null when missing)
 * @param widths {@code width} in pixels as declared in the JSON (0 when missing)
 * @param heights {@code height} in pixels as declared in the JSON (0 when missing)
 * @param defects per entry, a bit set of the {@code MISSING_*} flags (missing or malformed fields)
 */
public record CocoImages(
    int size, long[] ids, String[] fileNames, int[] widths, int[] heights, byte[] defects) {

  public static final byte MISSING_ID = 1;
  public static final byte MISSING_FILE_NAME = 2;
  public static final byte MISSING_WIDTH = 4;
  public static final byte MISSING_HEIGHT = 8;
  /** The entry is not a JSON object at all. */
  public static final byte NOT_AN_OBJECT = 16;

  /** Names of the fields behind the flags of {@code defects}, for messages. */
  public static String describe(byte defect) {
    StringBuilder s = new StringBuilder();
    if ((defect & NOT_AN_OBJECT) != 0) s.append("not an object ");
    if ((defect & MISSING_ID) != 0) s.append("id ");
    if ((defect & MISSING_FILE_NAME) != 0) s.append("file_name ");
    if ((defect & MISSING_WIDTH) != 0) s.append("width ");
    if ((defect & MISSING_HEIGHT) != 0) s.append("height ");
    return s.toString().trim();
  }

  /** Collects entries while the file streams by; arrays grow by doubling. */
  static final class Builder {
    private int size;
    private long[] ids = new long[64];
    private String[] fileNames = new String[64];
    private int[] widths = new int[64];
    private int[] heights = new int[64];
    private byte[] defects = new byte[64];

    void add(long id, String fileName, int width, int height, byte defect) {
      if (size == ids.length) {
        int n = size * 2;
        ids = Arrays.copyOf(ids, n);
        fileNames = Arrays.copyOf(fileNames, n);
        widths = Arrays.copyOf(widths, n);
        heights = Arrays.copyOf(heights, n);
        defects = Arrays.copyOf(defects, n);
      }
      ids[size] = id;
      fileNames[size] = fileName;
      widths[size] = width;
      heights[size] = height;
      defects[size] = defect;
      size++;
    }

    CocoImages build() {
      return new CocoImages(size, Arrays.copyOf(ids, size), Arrays.copyOf(fileNames, size),
          Arrays.copyOf(widths, size), Arrays.copyOf(heights, size), Arrays.copyOf(defects, size));
    }
  }
}

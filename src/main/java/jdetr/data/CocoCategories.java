package jdetr.data;

import java.util.Arrays;

/**
 * The {@code categories} section of a COCO annotations file, in file order.
 *
 * @param size number of entries
 * @param ids category ids ({@code id}, -1 when missing)
 * @param names {@code name} (null when missing)
 * @param supercategories {@code supercategory} (null when absent)
 * @param defects per entry, a bit set of the {@code MISSING_*} flags
 */
public record CocoCategories(
    int size, int[] ids, String[] names, String[] supercategories, byte[] defects) {

  public static final byte MISSING_ID = 1;
  public static final byte MISSING_NAME = 2;
  /** The entry is not a JSON object at all. */
  public static final byte NOT_AN_OBJECT = 4;

  /** Names of the fields behind the flags of {@code defects}, for messages. */
  public static String describe(byte defect) {
    StringBuilder s = new StringBuilder();
    if ((defect & NOT_AN_OBJECT) != 0) s.append("not an object ");
    if ((defect & MISSING_ID) != 0) s.append("id ");
    if ((defect & MISSING_NAME) != 0) s.append("name ");
    return s.toString().trim();
  }

  /** Collects entries while the file streams by. */
  static final class Builder {
    private int size;
    private int[] ids = new int[16];
    private String[] names = new String[16];
    private String[] supercategories = new String[16];
    private byte[] defects = new byte[16];

    void add(int id, String name, String supercategory, byte defect) {
      if (size == ids.length) {
        int n = size * 2;
        ids = Arrays.copyOf(ids, n);
        names = Arrays.copyOf(names, n);
        supercategories = Arrays.copyOf(supercategories, n);
        defects = Arrays.copyOf(defects, n);
      }
      ids[size] = id;
      names[size] = name;
      supercategories[size] = supercategory;
      defects[size] = defect;
      size++;
    }

    CocoCategories build() {
      return new CocoCategories(size, Arrays.copyOf(ids, size), Arrays.copyOf(names, size),
          Arrays.copyOf(supercategories, size), Arrays.copyOf(defects, size));
    }
  }
}

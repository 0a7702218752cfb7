package jdetr.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One COCO annotations file: its images, annotations and categories as compact tables, with the
 * look-ups pycocotools' {@code COCO} index offers (image by id, annotations of an image in file
 * order, category names). Where ids repeat, the last entry wins, as in pycocotools' dicts;
 * {@link DatasetValidation} reports the repeats. Immutable once read: one instance is shared by
 * every user of the file in a process ({@link CocoAnnotationCache}); nobody writes to its tables.
 */
public final class CocoAnnotationFile {
  /** The field name under which an entry that is not a JSON object is described. */
  public static final String ENTRY = "";

  /**
   * The first malformed value of a field in a section: the entry's position in the section and
   * what is wrong, with its line ({@code field 'area' must be a number, got null (line 7)}).
   */
  public record Malformed(int index, String problem) {}

  private final Path source;
  private final CocoImages images;
  private final CocoAnnotations annotations;
  private final CocoCategories categories;
  private final boolean hasImages;
  private final boolean hasAnnotations;
  private final boolean hasCategories;
  private final Map<String, Malformed> malformed;

  private final long[] uniqueImageIds; // ascending, distinct
  private final int[] uniqueImagePositions; // position of the last entry with that id
  private final int[] annotationStart; // CSR over uniqueImageIds: [n + 1]
  private final int[] annotationOrder; // annotation positions grouped by image, file order inside

  CocoAnnotationFile(Path source, CocoImages images, CocoAnnotations annotations,
      CocoCategories categories, boolean hasImages, boolean hasAnnotations,
      boolean hasCategories, Map<String, Malformed> malformed) {
    this.source = source;
    this.images = images;
    this.annotations = annotations;
    this.categories = categories;
    this.hasImages = hasImages;
    this.hasAnnotations = hasAnnotations;
    this.hasCategories = hasCategories;
    this.malformed = Map.copyOf(malformed);

    int[] order = StableOrder.ascending(images.ids(), images.size());
    long[] ids = new long[images.size()];
    int[] positions = new int[images.size()];
    int n = 0;
    for (int k : order) {
      if ((images.defects()[k] & CocoImages.MISSING_ID) != 0) continue;
      long id = images.ids()[k];
      if (n > 0 && ids[n - 1] == id) {
        positions[n - 1] = k; // a later entry with the same id replaces the earlier one
      } else {
        ids[n] = id;
        positions[n++] = k;
      }
    }
    uniqueImageIds = Arrays.copyOf(ids, n);
    uniqueImagePositions = Arrays.copyOf(positions, n);

    int[] counts = new int[n + 1];
    int[] imageOf = new int[annotations.size()];
    for (int a = 0; a < annotations.size(); a++) {
      boolean noImage = (annotations.defects()[a] & CocoAnnotations.MISSING_IMAGE_ID) != 0;
      imageOf[a] = noImage ? -1 : Arrays.binarySearch(uniqueImageIds, annotations.imageIds()[a]);
      if (imageOf[a] >= 0) counts[imageOf[a] + 1]++;
    }
    for (int i = 0; i < n; i++) counts[i + 1] += counts[i];
    annotationStart = counts.clone();
    int[] fill = Arrays.copyOf(counts, n);
    annotationOrder = new int[counts[n]];
    for (int a = 0; a < annotations.size(); a++) {
      if (imageOf[a] >= 0) annotationOrder[fill[imageOf[a]]++] = a;
    }
  }

  public Path source() {
    return source;
  }

  public CocoImages images() {
    return images;
  }

  public CocoAnnotations annotations() {
    return annotations;
  }

  public CocoCategories categories() {
    return categories;
  }

  public boolean hasImages() {
    return hasImages;
  }

  public boolean hasAnnotations() {
    return hasAnnotations;
  }

  public boolean hasCategories() {
    return hasCategories;
  }

  /**
   * The first entry of a section ({@code images}, {@code annotations}, {@code categories}) whose
   * field was present but malformed (wrong type, out of range, a bbox not of 4 numbers), or whose
   * entry was not an object ({@link #ENTRY}). Missing fields are only flagged in the tables.
   */
  public Optional<Malformed> firstMalformed(String section, String field) {
    return Optional.ofNullable(malformed.get(key(section, field)));
  }

  static String key(String section, String field) {
    return section + "." + field;
  }

  /** Number of distinct image ids: the length of a dataset over this file. */
  public int imageCount() {
    return uniqueImageIds.length;
  }

  /**
   * The image id at a dataset index: ids ascending, as torchvision's {@code CocoDetection} lists
   * them ({@code sorted(coco.imgs.keys())}).
   */
  public long imageId(int index) {
    return uniqueImageIds[index];
  }

  /** Position in {@link #images()} of the image at a dataset index. */
  public int imagePosition(int index) {
    return uniqueImagePositions[index];
  }

  /** Dataset index of an image id, or -1 when no image has that id. */
  public int indexOfImage(long imageId) {
    int i = Arrays.binarySearch(uniqueImageIds, imageId);
    return i < 0 ? -1 : i;
  }

  /** Positions in {@link #annotations()} of the objects of the image at a dataset index. */
  public int[] annotationsOf(int index) {
    return Arrays.copyOfRange(annotationOrder, annotationStart[index], annotationStart[index + 1]);
  }

  /** DETR's rule: the largest category id + 1 (labels are raw ids; the last logit is no-object). */
  public int numClasses() {
    int max = -1;
    for (int c = 0; c < categories.size(); c++) {
      if ((categories.defects()[c] & CocoCategories.MISSING_ID) == 0) {
        max = Math.max(max, categories.ids()[c]);
      }
    }
    if (max < 0) {
      for (int a = 0; a < annotations.size(); a++) {
        if ((annotations.defects()[a] & CocoAnnotations.MISSING_CATEGORY_ID) == 0) {
          max = Math.max(max, annotations.categoryIds()[a]);
        }
      }
    }
    return max + 1;
  }

  /** Category names by id, ascending ids. */
  public Map<Integer, String> categoryNames() {
    int[] order = StableOrder.ascending(
        Arrays.stream(categories.ids()).asLongStream().toArray(), categories.size());
    Map<Integer, String> names = new LinkedHashMap<>();
    for (int c : order) {
      if ((categories.defects()[c] & CocoCategories.MISSING_ID) == 0) {
        names.put(categories.ids()[c], categories.names()[c]);
      }
    }
    return names;
  }
}

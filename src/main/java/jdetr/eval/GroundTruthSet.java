package jdetr.eval;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import jdetr.data.CocoAnnotationCache;
import jdetr.data.CocoAnnotationFile;
import jdetr.data.CocoAnnotations;
import jdetr.data.CocoCategories;
import jdetr.data.CocoFormatException;
import jdetr.data.CocoImages;

/**
 * What evaluation needs from a COCO annotation file.
 *
 * @param imageIds ids of the images to evaluate (every image of the file; duplicates collapse)
 * @param categories the file's categories; only these are evaluated
 * @param annotations ground-truth objects in file order (objects of images or categories not listed
 *     above are left out of the evaluation, as pycocotools does)
 */
public record GroundTruthSet(List<Long> imageIds, List<CocoCategory> categories,
    List<CocoGroundTruth> annotations) {
  public GroundTruthSet {
    imageIds = List.copyOf(imageIds);
    categories = List.copyOf(categories);
    annotations = List.copyOf(annotations);
  }

  /** Reads an annotation file (parsed once per process, see {@link CocoAnnotationCache}). */
  public static GroundTruthSet read(Path file) throws IOException {
    return of(CocoAnnotationCache.load(file));
  }

  /**
   * The evaluation view of a parsed annotation file. Stricter than training: the file must have
   * {@code images} and {@code categories}; every image and category an {@code id}; every
   * annotation an {@code id}, {@code image_id}, {@code category_id}, a {@code bbox} of 4 finite
   * numbers and a finite {@code area}; {@code iscrowd}, when given, a number or a boolean. The
   * first entry that breaks a rule is refused, naming the file, the entry, its id and the field.
   * A category without a name is named by its id.
   */
  public static GroundTruthSet of(CocoAnnotationFile file) throws CocoFormatException {
    if (!file.hasImages()) {
      throw refuse(file, "top level", "missing field 'images'");
    }
    if (!file.hasCategories()) {
      throw refuse(file, "top level", "missing field 'categories'");
    }
    CocoImages im = file.images();
    List<Long> imageIds = new ArrayList<>(im.size());
    for (int i = 0; i < im.size(); i++) {
      require(file, "images", i, "images[" + i + "]", im.defects()[i], CocoImages.NOT_AN_OBJECT,
          new String[] {"id"}, new byte[] {CocoImages.MISSING_ID});
      imageIds.add(im.ids()[i]);
    }
    CocoCategories cat = file.categories();
    List<CocoCategory> categories = new ArrayList<>(cat.size());
    for (int c = 0; c < cat.size(); c++) {
      require(file, "categories", c, "categories[" + c + "]", cat.defects()[c],
          CocoCategories.NOT_AN_OBJECT, new String[] {"id"}, new byte[] {CocoCategories.MISSING_ID});
      String name = cat.names()[c];
      categories.add(
          new CocoCategory(cat.ids()[c], name == null ? String.valueOf(cat.ids()[c]) : name));
    }
    CocoAnnotations a = file.annotations();
    List<CocoGroundTruth> annotations = new ArrayList<>(a.size());
    String[] fields = {"id", "image_id", "category_id", "bbox", "area", "iscrowd"};
    byte[] flags = {CocoAnnotations.MISSING_ID, CocoAnnotations.MISSING_IMAGE_ID,
        CocoAnnotations.MISSING_CATEGORY_ID, CocoAnnotations.MISSING_BBOX,
        CocoAnnotations.MISSING_AREA, 0};
    double[] boxes = a.bboxes(); // [N, 4] xywh
    for (int k = 0; k < a.size(); k++) {
      byte defects = a.defects()[k];
      String where = "annotations[" + k + "]"
          + ((defects & (CocoAnnotations.MISSING_ID | CocoAnnotations.NOT_AN_OBJECT)) == 0
              ? " (id " + a.ids()[k] + ")" : "");
      require(file, "annotations", k, where, defects, CocoAnnotations.NOT_AN_OBJECT, fields, flags);
      for (int j = 0; j < 4; j++) {
        finite(file, where, "bbox[" + j + "]", boxes[4 * k + j]);
      }
      finite(file, where, "area", a.areas()[k]);
      annotations.add(new CocoGroundTruth(a.ids()[k], a.imageIds()[k], a.categoryIds()[k],
          boxes[4 * k], boxes[4 * k + 1], boxes[4 * k + 2], boxes[4 * k + 3], a.areas()[k],
          a.crowd()[k], false));
    }
    return new GroundTruthSet(imageIds, categories, annotations);
  }

  /**
   * Refuses entry {@code index} of a section when it is not an object, or when one of its fields
   * is malformed (described as the reader saw it) or missing (its flag set without a malformed
   * value: the reader keeps the first malformed value of each field, and this is the first entry
   * refused, so a flagged field that is not that value is absent).
   */
  private static void require(CocoAnnotationFile file, String section, int index, String where,
      byte defects, byte notAnObject, String[] fields, byte[] flags) throws CocoFormatException {
    if ((defects & notAnObject) != 0) {
      throw refuse(file, where, problem(file, section, CocoAnnotationFile.ENTRY, index)
          .orElse("expected an object"));
    }
    for (int f = 0; f < fields.length; f++) {
      Optional<String> malformed = problem(file, section, fields[f], index);
      if (malformed.isPresent()) {
        throw refuse(file, where, malformed.get());
      }
      if ((defects & flags[f]) != 0) {
        throw refuse(file, where, "missing field '" + fields[f] + "'");
      }
    }
  }

  private static Optional<String> problem(CocoAnnotationFile file, String section,
      String field, int index) {
    return file.firstMalformed(section, field).filter(m -> m.index() == index)
        .map(CocoAnnotationFile.Malformed::problem);
  }

  private static void finite(CocoAnnotationFile file, String where, String field, double v)
      throws CocoFormatException {
    if (!Double.isFinite(v)) {
      throw refuse(file, where, "field '" + field + "' is not a finite number: " + v);
    }
  }

  private static CocoFormatException refuse(CocoAnnotationFile file, String where, String problem) {
    return new CocoFormatException(file.source() + ": " + where + ": " + problem);
  }
}

package jdetr.data;

/**
 * What {@link DatasetValidation} checks. V-rules read the annotations file (V21-V24, the
 * segmentations, only when the dataset's targets carry masks); F-rules read each image
 * file's header (never its pixels). {@code ERROR} rules would corrupt or crash training and fail the
 * default mode; {@code WARNING} rules describe what training handles as the reference does (drops,
 * clamps, ignores). Strict mode fails on both.
 */
public enum ValidationRule {
  V1("missing-section", Severity.ERROR, "no images, annotations or categories array"),
  V2("image-field", Severity.ERROR, "image with a missing or malformed id, file_name, width or height"),
  V3("annotation-field", Severity.ERROR,
      "annotation with a missing or malformed id, image_id, category_id or bbox"),
  V4("category-field", Severity.ERROR, "category with a missing or malformed id or name"),
  V5("duplicate-image-id", Severity.ERROR, "image id used by more than one image"),
  V6("duplicate-annotation-id", Severity.ERROR,
      "annotation id used twice (pycocotools keeps only the last: evaluation would be wrong)"),
  V7("duplicate-category-id", Severity.ERROR, "category id used by more than one category"),
  V8("unknown-image", Severity.WARNING, "annotation whose image_id names no image (never used)"),
  V9("unknown-category", Severity.ERROR, "annotation whose category_id names no category"),
  V10("category-out-of-range", Severity.ERROR, "category id negative or not below num_classes"),
  V11("non-finite-box", Severity.ERROR, "bbox with NaN or infinite values"),
  V12("empty-box", Severity.WARNING,
      "bbox with zero width or height (dropped, as the reference does)"),
  V13("box-outside-image", Severity.WARNING,
      "bbox reaching outside the image (clamped to it, as the reference does)"),
  V14("box-fully-outside", Severity.WARNING,
      "bbox not overlapping the image (empty after clamping: dropped)"),
  V15("bad-image-size", Severity.ERROR, "image width or height not positive"),
  V16("bad-area", Severity.WARNING, "area missing, negative or not finite (box area used instead)"),
  V17("bad-iscrowd", Severity.WARNING, "iscrowd other than 0 or 1 (non-zero counts as crowd)"),
  V18("unsafe-file-name", Severity.ERROR, "file_name leaves the image folder"),
  V19("negative-box-size", Severity.ERROR, "bbox with a negative width or height"),
  V20("non-positive-id", Severity.ERROR, "image or annotation id not above 0"),
  V21("bad-polygon", Severity.ERROR, "segmentation polygon with an odd number of coordinates,"
      + " fewer than 3 points or a value that is not a finite number; or a segmentation that is"
      + " neither polygons nor an RLE (checked when masks are requested)"),
  V22("rle-size-mismatch", Severity.ERROR,
      "segmentation RLE whose size [h, w] is not the image's [height, width] (masks requested)"),
  V23("bad-rle", Severity.ERROR, "segmentation RLE without size or counts, or with counts that are"
      + " negative, not integers, not a valid compressed string or not adding up to h x w"
      + " (masks requested)"),
  V24("missing-segmentation", Severity.ERROR,
      "non-crowd annotation without a segmentation (masks requested)"),
  F1("image-missing", Severity.ERROR, "image file does not exist"),
  F2("image-unreadable", Severity.ERROR,
      "not an image, unsupported format, corrupt header or I/O error"),
  F3("image-truncated", Severity.ERROR, "image file ends before its end marker"),
  F4("image-too-large", Severity.ERROR,
      "declared pixels or file size over the limits (refused before decoding)"),
  F5("image-size-mismatch", Severity.ERROR, "size in the file header differs from the JSON");

  /** How a finding affects training. */
  public enum Severity { ERROR, WARNING }

  private final String slug;
  private final Severity severity;
  private final String description;

  ValidationRule(String slug, Severity severity, String description) {
    this.slug = slug;
    this.severity = severity;
    this.description = description;
  }

  public String slug() {
    return slug;
  }

  public Severity severity() {
    return severity;
  }

  public String description() {
    return description;
  }
}

package jdetr.data;

/**
 * A {@code segmentation} value that {@link SegmentationJson} refuses; {@link #field} says which part
 * ({@code segmentation}, {@code segmentation[2]}, {@code segmentation.size}, {@code
 * segmentation.counts} ...), so that validation can name the rule it breaks.
 */
public final class SegmentationFormatException extends CocoFormatException {
  private final String field;

  public SegmentationFormatException(String field, String message) {
    super(message);
    this.field = field;
  }

  public String field() {
    return field;
  }

  /** The problem is in the RLE's {@code size} or {@code counts}, not in a polygon. */
  public boolean inRle() {
    return field.startsWith("segmentation.");
  }
}

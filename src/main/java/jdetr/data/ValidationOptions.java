package jdetr.data;

/**
 * How {@link DatasetValidation} runs.
 *
 * @param strict fail on any finding, not only on ERROR rules
 * @param checkFiles read every image file's header (F-rules); off checks the JSON only
 * @param limits what an image header may declare
 * @param numClasses the configured class count; 0 derives it (largest category id + 1)
 */
public record ValidationOptions(
    boolean strict, boolean checkFiles, ImageLimits limits, int numClasses) {
  public static final ValidationOptions DEFAULT =
      new ValidationOptions(false, true, ImageLimits.DEFAULT, 0);

  public ValidationOptions strictly(boolean strict) {
    return new ValidationOptions(strict, checkFiles, limits, numClasses);
  }
}

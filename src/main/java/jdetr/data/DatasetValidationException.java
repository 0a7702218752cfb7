package jdetr.data;

/** Training refused: the dataset breaks rules that would corrupt it (or any rule, in strict mode). */
public final class DatasetValidationException extends RuntimeException {
  private final transient ValidationReport report;

  public DatasetValidationException(ValidationReport report, boolean strict) {
    super("dataset validation failed" + (strict ? " (strict)" : "") + ":"
        + System.lineSeparator() + report.format());
    this.report = report;
  }

  public ValidationReport report() {
    return report;
  }
}

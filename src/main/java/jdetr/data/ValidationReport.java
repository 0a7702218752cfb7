package jdetr.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of {@link DatasetValidation}: one finding per broken rule, in rule order.
 *
 * @param annotations the annotations file checked
 * @param images number of image entries
 * @param objects number of annotation entries
 * @param categories number of category entries
 * @param imagesWithoutObjects images no annotation points at (allowed: they train as background)
 * @param filesChecked whether image files were checked (F-rules)
 * @param findings broken rules
 */
public record ValidationReport(
    Path annotations,
    int images,
    int objects,
    int categories,
    int imagesWithoutObjects,
    boolean filesChecked,
    List<ValidationFinding> findings) {

  public ValidationReport {
    findings = List.copyOf(findings);
  }

  /** Whether training may start: no finding at all in strict mode, no ERROR finding otherwise. */
  public boolean passes(boolean strict) {
    return findings.stream()
        .noneMatch(f -> strict || f.rule().severity() == ValidationRule.Severity.ERROR);
  }

  public Optional<ValidationFinding> finding(ValidationRule rule) {
    return findings.stream().filter(f -> f.rule() == rule).findFirst();
  }

  /** A readable report: a summary line, then one line per finding. */
  public String format() {
    StringBuilder s = new StringBuilder();
    s.append(annotations).append(": ").append(images).append(" images, ").append(objects)
        .append(" annotations, ").append(categories).append(" categories, ")
        .append(imagesWithoutObjects).append(" images without annotations")
        .append(filesChecked ? "" : " (image files not checked)");
    if (findings.isEmpty()) s.append("; no findings");
    for (ValidationFinding f : findings) s.append(System.lineSeparator()).append("  ").append(f);
    return s.toString();
  }
}

package jdetr.data;

import java.util.List;

/**
 * All violations of one rule.
 *
 * @param rule the rule
 * @param count how many entries or files break it
 * @param examples the first (at most {@value #EXAMPLES}) offenders, each an id (or
 *     {@code section[position]} when the id is unusable), with a short reason where one helps
 */
public record ValidationFinding(ValidationRule rule, int count, List<String> examples) {
  public static final int EXAMPLES = 10;

  @Override
  public String toString() {
    return rule.severity() + " " + rule + " " + rule.slug() + ": " + count + " ("
        + rule.description() + "); first: " + String.join(", ", examples);
  }
}

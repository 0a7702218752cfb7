package jdetr.loss;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** The total loss of a training step is NaN or infinite: training must stop (as the reference does). */
public final class NonFiniteLossException extends RuntimeException {

  private final long step;
  private final transient Map<String, Float> terms;

  public NonFiniteLossException(long step, float total, Map<String, Float> terms) {
    super(
        "non-finite loss at step " + step + ": total=" + total + " ("
            + terms.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", "))
            + ")");
    this.step = step;
    this.terms = Collections.unmodifiableMap(new LinkedHashMap<>(terms));
  }

  /**
   * NaN or infinite predictions cannot be matched: the step stops as for a non-finite loss, with
   * the counts of bad logits and boxes.
   */
  public static void requireFinite(float[] logits, float[] boxes, long step) {
    int badLogits = 0;
    int badBoxes = 0;
    for (float v : logits) {
      badLogits += Float.isFinite(v) ? 0 : 1;
    }
    for (float v : boxes) {
      badBoxes += Float.isFinite(v) ? 0 : 1;
    }
    if (badLogits + badBoxes > 0) {
      Map<String, Float> counts = new LinkedHashMap<>();
      counts.put("non_finite_pred_logits", (float) badLogits);
      counts.put("non_finite_pred_boxes", (float) badBoxes);
      throw new NonFiniteLossException(step, Float.NaN, counts);
    }
  }

  public long step() {
    return step;
  }

  /** Every loss term and logged error of the step. */
  public Map<String, Float> terms() {
    return terms;
  }
}

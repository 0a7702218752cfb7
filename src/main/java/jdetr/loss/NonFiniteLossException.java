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

  public long step() {
    return step;
  }

  /** Every loss term and logged error of the step. */
  public Map<String, Float> terms() {
    return terms;
  }
}

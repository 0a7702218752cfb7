package jdetr.loss;

import ai.djl.ndarray.NDArray;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@link SetCriterion} computes for one batch.
 *
 * @param total the weighted sum of all loss terms (scalar, differentiable): call backward on it
 * @param terms every differentiable loss term by its reference name ({@code loss_ce},
 *     {@code loss_bbox}, {@code loss_giou}, then {@code _0 .. _{L-2}} for auxiliary layers), scalars
 * @param logged the errors that are only logged: {@code class_error} (last layer) and
 *     {@code cardinality_error[_i]}
 */
public record SetLosses(NDArray total, Map<String, NDArray> terms, Map<String, Float> logged) {

  public SetLosses {
    terms = Collections.unmodifiableMap(new LinkedHashMap<>(terms));
    logged = Collections.unmodifiableMap(new LinkedHashMap<>(logged));
  }

  /** The value of every term and logged error, loss terms first (copies to the CPU). */
  public Map<String, Float> values() {
    Map<String, Float> out = new LinkedHashMap<>();
    terms.forEach((k, v) -> out.put(k, v.getFloat()));
    out.putAll(logged);
    return out;
  }

  /** These terms and {@code more}'s (whose names differ), totals added; this one's logged errors. */
  public SetLosses plus(SetLosses more) {
    Map<String, NDArray> all = new LinkedHashMap<>(terms);
    more.terms().forEach((k, v) -> {
      if (all.putIfAbsent(k, v) != null) {
        throw new IllegalArgumentException("loss term " + k + " given twice");
      }
    });
    return new SetLosses(total.add(more.total()), all, logged);
  }

  /** The value of the total loss. */
  public float totalValue() {
    return total.getFloat();
  }
}

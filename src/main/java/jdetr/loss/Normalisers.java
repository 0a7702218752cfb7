package jdetr.loss;

import java.util.List;
import jdetr.data.Target;

/**
 * The denominators of the set losses. The reference computes them from the batch it is given; a
 * step split into micro-batches computes them once over all the step's targets and passes them to
 * every micro-batch, so the micro-batch losses add up to the full-batch loss.
 *
 * @param numBoxes number of target boxes, clamped to at least 1 ({@code num_boxes}): divides
 *     {@code loss_bbox}, {@code loss_giou} and the focal {@code loss_ce}
 * @param ceWeightSum sum over all B x Q queries of the class weight of their target class (1 for a
 *     matched query, eos_coef for the others): PyTorch's weighted-mean denominator of the softmax
 *     {@code loss_ce}
 */
public record Normalisers(double numBoxes, double ceWeightSum) {

  public Normalisers {
    if (!(numBoxes >= 1) || !(ceWeightSum > 0)) {
      throw new IllegalArgumentException(
          "numBoxes must be >= 1 and ceWeightSum > 0, got " + numBoxes + " and " + ceWeightSum);
    }
  }

  /**
   * The normalisers of a set of images: {@code max(1, sum T)} and {@code sum T + eosCoef * sum (Q - T)}
   * (every target is matched to exactly one query, so the weight sum does not depend on the matching).
   *
   * @param targets every target of the step (all micro-batches)
   * @param numQueries Q
   * @param eosCoef the no-object class weight
   */
  public static Normalisers of(List<Target> targets, int numQueries, double eosCoef) {
    long boxes = 0;
    long unmatched = 0;
    for (Target t : targets) {
      if (t.size() > numQueries) {
        throw new IllegalArgumentException(
            "image " + t.imageId() + " has " + t.size() + " targets but the model has only "
                + numQueries + " queries");
      }
      boxes += t.size();
      unmatched += numQueries - t.size();
    }
    return new Normalisers(Math.max(1, boxes), boxes + eosCoef * unmatched);
  }
}

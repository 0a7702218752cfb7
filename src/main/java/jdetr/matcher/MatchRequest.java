package jdetr.matcher;

import java.util.Arrays;
import java.util.Objects;

/**
 * One matching unit: the detached predictions of one image at one decoder layer and that image's
 * targets. Matching is a pure function of this record, so a request may be sent again safely.
 *
 * @param step global training step (for logs and tracing)
 * @param image index of the image within the step's batch
 * @param layer decoder layer (0 … L−1; the last one is the final prediction)
 * @param matcher the cost weights, and how {@code logits} turn into class probabilities (softmax
 *     over C, or sigmoid)
 * @param numQueries Q
 * @param numClasses C: logits per query (for DETR including the no-object logit)
 * @param logits class logits, row-major {@code [Q, C]}
 * @param boxes predicted boxes {@code [Q, 4]}, normalised cxcywh
 * @param targetLabels target class ids {@code [T]}
 * @param targetBoxes target boxes {@code [T, 4]}, normalised cxcywh
 */
public record MatchRequest(
    long step,
    int image,
    int layer,
    MatcherConfig matcher,
    int numQueries,
    int numClasses,
    float[] logits,
    float[] boxes,
    int[] targetLabels,
    float[] targetBoxes) {

  public MatchRequest {
    Objects.requireNonNull(matcher, "matcher");
    if (numQueries < 0 || numClasses < 0) {
      throw new IllegalArgumentException("negative size: numQueries " + numQueries + ", numClasses " + numClasses);
    }
    check("logits", logits.length, (long) numQueries * numClasses);
    check("boxes", boxes.length, 4L * numQueries);
    check("targetBoxes", targetBoxes.length, 4L * targetLabels.length);
  }

  /** Number of targets T. */
  public int numTargets() {
    return targetLabels.length;
  }

  private static void check(String field, int actual, long expected) {
    if (actual != expected) {
      throw new IllegalArgumentException("MatchRequest." + field + " has " + actual
          + " values, expected " + expected);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MatchRequest r
        && step == r.step && image == r.image && layer == r.layer
        && matcher.equals(r.matcher)
        && numQueries == r.numQueries && numClasses == r.numClasses
        && Arrays.equals(logits, r.logits) && Arrays.equals(boxes, r.boxes)
        && Arrays.equals(targetLabels, r.targetLabels) && Arrays.equals(targetBoxes, r.targetBoxes);
  }

  @Override
  public int hashCode() {
    int h = Objects.hash(step, image, layer, matcher, numQueries, numClasses);
    h = 31 * h + Arrays.hashCode(logits);
    h = 31 * h + Arrays.hashCode(boxes);
    h = 31 * h + Arrays.hashCode(targetLabels);
    return 31 * h + Arrays.hashCode(targetBoxes);
  }

  @Override
  public String toString() {
    return "MatchRequest[step=" + step + ", image=" + image + ", layer=" + layer + ", "
        + matcher.classLoss() + ", Q=" + numQueries + ", C=" + numClasses + ", T=" + numTargets()
        + "]";
  }
}

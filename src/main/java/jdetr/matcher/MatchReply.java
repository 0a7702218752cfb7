package jdetr.matcher;

import java.util.Arrays;
import java.util.Objects;

/**
 * The matching of one unit: query {@code queryIndices[k]} is matched to target
 * {@code targetIndices[k]}; query indices ascend (scipy's {@code linear_sum_assignment} order) and
 * there are {@code min(Q, T)} pairs.
 *
 * @param step the request's step
 * @param image the request's image
 * @param layer the request's decoder layer
 * @param queryIndices matched queries, ascending
 * @param targetIndices the target matched to each of those queries
 */
public record MatchReply(long step, int image, int layer, int[] queryIndices, int[] targetIndices) {

  public MatchReply {
    if (queryIndices.length != targetIndices.length) {
      throw new IllegalArgumentException("MatchReply has " + queryIndices.length + " query and "
          + targetIndices.length + " target indices");
    }
  }

  /** Number of matched pairs. */
  public int size() {
    return queryIndices.length;
  }

  /** Whether this reply answers {@code request} (same step, image and layer). */
  public boolean answers(MatchRequest request) {
    return step == request.step() && image == request.image() && layer == request.layer();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MatchReply r && step == r.step && image == r.image && layer == r.layer
        && Arrays.equals(queryIndices, r.queryIndices) && Arrays.equals(targetIndices, r.targetIndices);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Objects.hash(step, image, layer) + Arrays.hashCode(queryIndices))
        + Arrays.hashCode(targetIndices);
  }

  @Override
  public String toString() {
    return "MatchReply[step=" + step + ", image=" + image + ", layer=" + layer
        + ", pairs=" + size() + "]";
  }
}

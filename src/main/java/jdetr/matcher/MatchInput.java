package jdetr.matcher;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jdetr.data.Target;

/**
 * One unit of matching work: the predictions of one image at one decoder layer and that image's
 * targets, as plain arrays (compact, and ready to travel as a binary message).
 *
 * @param logits {@code [Q, K]} class logits: K = C + 1 (last = no-object) for the softmax cost, K = C
 *     for the focal cost
 * @param boxes {@code [Q, 4]} predicted boxes, normalised cxcywh
 * @param labels {@code [T]} target class indices in {@code [0, K)}
 * @param targetBoxes {@code [T, 4]} target boxes, normalised cxcywh
 */
public record MatchInput(float[] logits, float[] boxes, int[] labels, float[] targetBoxes) {

  public MatchInput {
    if (boxes.length % 4 != 0) {
      throw new IllegalArgumentException(
          "boxes has " + boxes.length + " values, not [Q, 4]");
    }
    int queries = boxes.length / 4;
    if (queries == 0 ? logits.length != 0 : logits.length % queries != 0) {
      throw new IllegalArgumentException("logits has " + logits.length + " values, not [Q, K] for Q = "
          + queries + " queries");
    }
    if (targetBoxes.length != 4 * labels.length) {
      throw new IllegalArgumentException("targetBoxes has " + targetBoxes.length
          + " values, expected [T, 4] for T = " + labels.length + " labels");
    }
    int classes = queries == 0 ? 0 : logits.length / queries;
    for (int t = 0; t < labels.length; t++) {
      if (labels[t] < 0 || labels[t] >= classes) {
        throw new IllegalArgumentException("target " + t + " has label " + labels[t]
            + ", outside the " + classes + " class logits");
      }
    }
  }

  /**
   * Copies the unit {@code unit} out of arrays holding several units back to back, e.g. a batch
   * ({@code [B, Q, K]} logits, unit = image) or all decoder layers ({@code [L, B, Q, K]}, unit =
   * layer * B + image).
   */
  public static MatchInput slice(float[] allLogits, float[] allBoxes, int unit, int numQueries,
      int numClasses, int[] labels, float[] targetBoxes) {
    int logitsFrom = unit * numQueries * numClasses;
    int boxesFrom = unit * numQueries * 4;
    if (unit < 0 || logitsFrom + numQueries * numClasses > allLogits.length
        || boxesFrom + numQueries * 4 > allBoxes.length) {
      throw new IllegalArgumentException("unit " + unit + " of [" + numQueries + ", "
          + numClasses + "] predictions is outside arrays of " + allLogits.length + " logits and "
          + allBoxes.length + " box values");
    }
    return new MatchInput(
        Arrays.copyOfRange(allLogits, logitsFrom, logitsFrom + numQueries * numClasses),
        Arrays.copyOfRange(allBoxes, boxesFrom, boxesFrom + numQueries * 4), labels, targetBoxes);
  }

  /**
   * The units of a batch at every decoder layer, layer-major (unit {@code layer * B + image}), from
   * the stacked outputs of all layers.
   *
   * @param logits {@code [L, B, Q, K]} class logits
   * @param boxes {@code [L, B, Q, 4]} predicted cxcywh boxes
   * @param targets the B images' targets (labels are class indices, boxes normalised cxcywh)
   */
  public static List<MatchInput> ofLayers(float[] logits, float[] boxes, int layers,
      int numQueries, int numClasses, List<Target> targets) {
    int batch = targets.size();
    if (logits.length != layers * batch * numQueries * numClasses
        || boxes.length != layers * batch * numQueries * 4) {
      throw new IllegalArgumentException("expected [" + layers + ", " + batch + ", " + numQueries
          + ", " + numClasses + "] logits and [" + layers + ", " + batch + ", " + numQueries
          + ", 4] boxes, got " + logits.length + " and " + boxes.length + " values");
    }
    List<MatchInput> out = new ArrayList<>(layers * batch);
    for (int layer = 0; layer < layers; layer++) {
      for (int image = 0; image < batch; image++) {
        Target t = targets.get(image);
        out.add(slice(logits, boxes, layer * batch + image, numQueries, numClasses, t.labels(),
            t.boxes()));
      }
    }
    return out;
  }

  /** Q, the number of queries. */
  public int numQueries() {
    return boxes.length / 4;
  }

  /** K, the number of class logits per query. */
  public int numClasses() {
    return boxes.length == 0 ? 0 : logits.length / numQueries();
  }

  /** T, the number of targets. */
  public int numTargets() {
    return labels.length;
  }
}

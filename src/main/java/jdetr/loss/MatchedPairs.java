package jdetr.loss;

import java.util.List;
import jdetr.data.Target;

/** The matched pairs of a layer over the batch, in image order then matching order. */
final class MatchedPairs {
  final int[] flatQuery; // b * Q + query
  final int[] labels;
  final float[] boxes; // [N, 4] target cxcywh

  private MatchedPairs(int n) {
    flatQuery = new int[n];
    labels = new int[n];
    boxes = new float[4 * n];
  }

  int size() {
    return flatQuery.length;
  }

  static MatchedPairs of(
      int layer, List<Target> targets, List<Matching> matchings, int q, int numClasses) {
    int n = 0;
    for (int i = 0; i < targets.size(); i++) {
      Target t = targets.get(i);
      Matching m = matchings.get(i);
      if (m.size() != t.size()) {
        throw new IllegalArgumentException(
            "layer " + layer + ", image " + i + " (id " + t.imageId() + "): " + m.size()
                + " matched pairs for " + t.size() + " targets (every target must be matched)");
      }
      n += m.size();
    }
    MatchedPairs p = new MatchedPairs(n);
    int k = 0;
    for (int i = 0; i < targets.size(); i++) {
      Target t = targets.get(i);
      Matching m = matchings.get(i);
      boolean[] queryUsed = new boolean[q];
      boolean[] targetUsed = new boolean[t.size()];
      for (int j = 0; j < m.size(); j++, k++) {
        int qi = m.queryIdx()[j];
        int ti = m.targetIdx()[j];
        String where = "layer " + layer + ", image " + i + " (id " + t.imageId() + "), pair " + j;
        if (qi < 0 || qi >= q || queryUsed[qi]) {
          throw new IllegalArgumentException(where + ": query " + qi + " out of [0, " + q + ") or repeated");
        }
        if (ti < 0 || ti >= t.size() || targetUsed[ti]) {
          throw new IllegalArgumentException(
              where + ": target " + ti + " out of [0, " + t.size() + ") or repeated");
        }
        queryUsed[qi] = true;
        targetUsed[ti] = true;
        int label = t.labels()[ti];
        if (label < 0 || label >= numClasses) {
          throw new IllegalArgumentException(
              "image " + i + " (id " + t.imageId() + "), target " + ti + ": label " + label
                  + " outside [0, " + numClasses + ")");
        }
        p.flatQuery[k] = i * q + qi;
        p.labels[k] = label;
        System.arraycopy(t.boxes(), 4 * ti, p.boxes, 4 * k, 4);
      }
    }
    return p;
  }
}

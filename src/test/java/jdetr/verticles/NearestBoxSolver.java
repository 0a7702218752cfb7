package jdetr.verticles;

import java.util.Arrays;
import jdetr.bus.MatchReply;
import jdetr.bus.MatchRequest;
import jdetr.bus.MatchSolver;

/**
 * A deterministic stand-in solver for bus tests: each target in turn takes the free query with the
 * nearest box (L1, ties to the lower index). It throws on non-finite boxes, like the real matcher.
 */
public final class NearestBoxSolver implements MatchSolver {
  @Override
  public MatchReply solve(MatchRequest r) {
    int q = r.numQueries();
    int t = r.numTargets();
    boolean[] taken = new boolean[q];
    int[] queryOfTarget = new int[t];
    int pairs = Math.min(q, t);
    for (int j = 0; j < pairs; j++) {
      int best = -1;
      float bestCost = Float.POSITIVE_INFINITY;
      for (int i = 0; i < q; i++) {
        float cost = 0;
        for (int k = 0; k < 4; k++) {
          cost += Math.abs(r.boxes()[4 * i + k] - r.targetBoxes()[4 * j + k]);
        }
        if (!Float.isFinite(cost)) {
          throw new IllegalArgumentException("non-finite cost at [" + i + "," + j + "]");
        }
        if (!taken[i] && cost < bestCost) {
          best = i;
          bestCost = cost;
        }
      }
      taken[best] = true;
      queryOfTarget[j] = best;
    }
    Integer[] order = new Integer[pairs];
    for (int j = 0; j < pairs; j++) {
      order[j] = j;
    }
    Arrays.sort(order, (a, b) -> Integer.compare(queryOfTarget[a], queryOfTarget[b]));
    int[] queries = new int[pairs];
    int[] targets = new int[pairs];
    for (int k = 0; k < pairs; k++) {
      queries[k] = queryOfTarget[order[k]];
      targets[k] = order[k];
    }
    return new MatchReply(r.step(), r.image(), r.layer(), queries, targets);
  }
}

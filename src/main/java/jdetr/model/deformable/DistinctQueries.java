package jdetr.model.deformable;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.Arrays;
import jdetr.autograd.GraphSafe;
import jdetr.box.FloatBoxOps;

/**
 * DDQ's distinct query selection (Zhang et al., "Dense Distinct Queries for End-to-End Object
 * Detection", 2023): instead of the plain top-k, the two-stage queries are the top-scoring encoder
 * proposals that survive a class-agnostic non-maximum suppression, so that no two queries start on
 * (nearly) the same box and the one-to-one matching need not tell apart near-identical queries.
 * When fewer proposals survive than queries are wanted, the best suppressed ones fill the rest.
 */
final class DistinctQueries {

  private DistinctQueries() {}

  /**
   * @param scores [N, S] proposal scores (any monotone function of the probability)
   * @param boxesUnact [N, S, 4] proposal boxes before the sigmoid, cxcywh
   * @return [N, count] int64 token indices, the kept proposals by descending score
   */
  static NDArray indices(NDArray scores, NDArray boxesUnact, int count, double iou) {
    Shape shape = scores.getShape(); // [N, S]
    int n = (int) shape.get(0);
    int s = (int) shape.get(1);
    float[] allScores = scores.stopGradient().toType(DataType.FLOAT32, false).toFloatArray();
    float[] allBoxes = Activation.sigmoid(boxesUnact.stopGradient()).toType(DataType.FLOAT32, false)
        .toFloatArray(); // [N, S, 4]
    long[] picked = new long[n * count];
    for (int b = 0; b < n; b++) {
      int[] keep = select(Arrays.copyOfRange(allScores, b * s, (b + 1) * s),
          Arrays.copyOfRange(allBoxes, b * s * 4, (b + 1) * s * 4), count, iou);
      for (int i = 0; i < count; i++) {
        picked[b * count + i] = keep[i];
      }
    }
    return GraphSafe.create(scores.getManager(), picked, new Shape(n, count));
  }

  /**
   * Greedy non-maximum suppression over one image's proposals.
   *
   * @param scores [S]
   * @param boxes [S * 4] cxcywh
   * @param count how many to return (at most S)
   * @param iou a proposal is suppressed when its IoU with a kept one exceeds this
   * @return {@code count} proposal indices: the kept ones by descending score, then the best
   *     suppressed ones if too few were kept (ties keep the lower index first)
   */
  static int[] select(float[] scores, float[] boxes, int count, double iou) {
    int s = scores.length;
    if (count > s) {
      throw new IllegalArgumentException(count + " queries from " + s + " proposals");
    }
    Integer[] order = new Integer[s];
    for (int i = 0; i < s; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Float.compare(scores[b], scores[a])); // stable: ties by index
    float[] xyxy = FloatBoxOps.cxcywhToXyxy(boxes);
    int[] result = new int[count];
    int kept = 0;
    int[] suppressed = new int[s];
    int suppressedCount = 0;
    for (int k = 0; k < s && kept < count; k++) {
      int i = order[k];
      boolean distinct = true;
      for (int j = 0; j < kept && distinct; j++) {
        distinct = iou(xyxy, i, result[j]) <= iou;
      }
      if (distinct) {
        result[kept++] = i;
      } else {
        suppressed[suppressedCount++] = i;
      }
    }
    for (int k = 0; kept < count; k++) {
      result[kept++] = suppressed[k];
    }
    return result;
  }

  /** IoU of boxes {@code a} and {@code b} of an xyxy array. */
  private static float iou(float[] xyxy, int a, int b) {
    return FloatBoxOps.iou(xyxy[4 * a], xyxy[4 * a + 1], xyxy[4 * a + 2], xyxy[4 * a + 3],
        xyxy[4 * b], xyxy[4 * b + 1], xyxy[4 * b + 2], xyxy[4 * b + 3]);
  }
}

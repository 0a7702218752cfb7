package jdetr.matcher;

import java.util.Random;

/** Random matching units for matcher, codec and stage tests. */
public final class RandomMatchRequests {
  private RandomMatchRequests() {}

  /** A unit of Q queries, C logits per query and T targets with random values. */
  public static MatchRequest randomRequest(Random rnd, long step, int image, int layer, int q, int c, int t) {
    float[] logits = new float[q * c];
    float[] boxes = new float[q * 4];
    int[] labels = new int[t];
    float[] targetBoxes = new float[t * 4];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = (float) rnd.nextGaussian();
    }
    for (int i = 0; i < boxes.length; i++) {
      boxes[i] = rnd.nextFloat();
    }
    for (int i = 0; i < t; i++) {
      labels[i] = rnd.nextInt(Math.max(c, 1));
    }
    for (int i = 0; i < targetBoxes.length; i++) {
      targetBoxes[i] = rnd.nextFloat();
    }
    return new MatchRequest(step, image, layer, MatcherConfig.DETR, q, c,
        logits, boxes, labels, targetBoxes);
  }

}

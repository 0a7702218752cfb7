package jdetr.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import jdetr.autograd.GraphSafe;

/**
 * The varifocal loss (VarifocalNet, Zhang et al. 2021; the class loss of RT-DETR), an IoU-aware
 * classification loss for sigmoid class heads. The target of a matched query at its target's
 * class is the IoU q of its (detached) box with the target box, 0 everywhere else:
 *
 * <pre>
 * VFL(p, q) = -q (q log p + (1 - q) log(1 - p))     q > 0
 *           = -alpha p^gamma log(1 - p)             q = 0
 * </pre>
 *
 * i.e. {@code BCE(x, q)} weighted by {@code q} for positives and by {@code alpha p^gamma} (p
 * detached) for negatives. Normalised as the focal loss: summed over images, queries and classes,
 * divided by the number of target boxes.
 */
final class VarifocalLoss {

  /** RT-DETR's and VarifocalNet's alpha. */
  static final double ALPHA = 0.75;
  /** RT-DETR's and VarifocalNet's gamma. */
  static final double GAMMA = 2.0;

  private VarifocalLoss() {}

  /**
   * {@code loss_ce} of a layer: {@code VFL.mean(1).sum() / numBoxes * Q}.
   *
   * @param logits [B, Q, C]
   * @param matchedBoxes [N, 4] cxcywh predicted boxes of the matched pairs (pair order)
   */
  static NDArray loss(NDManager scope, NDArray logits, NDArray matchedBoxes, MatchedPairs pairs,
      int numClasses, double numBoxes) {
    Shape s = logits.getShape(); // [B, Q, C]
    float[] score = new float[Math.toIntExact(s.size())];
    float[] onehot = new float[score.length];
    float[] pred = matchedBoxes.stopGradient().toFloatArray(); // [N, 4] cxcywh
    for (int i = 0; i < pairs.size(); i++) {
      int at = pairs.flatQuery[i] * numClasses + pairs.labels[i];
      score[at] = iou(pred, pairs.boxes, i);
      onehot[at] = 1f;
    }
    NDArray loss = elementwise(logits, GraphSafe.create(scope, onehot, s),
        GraphSafe.create(scope, score, s), ALPHA, GAMMA);
    return GraphSafe.mul(GraphSafe.div(loss.mean(new int[] {1}).sum(), (float) numBoxes),
        (float) s.get(1));
  }

  /**
   * The varifocal loss of every element, same shape as {@code logits}.
   *
   * @param positive 1 at the matched queries' target classes, else 0
   * @param q the IoU targets in [0, 1] at the positives, else 0; both libtorch memory
   *     ({@link GraphSafe#create}) as autograd keeps them
   */
  static NDArray elementwise(NDArray logits, NDArray positive, NDArray q, double alpha,
      double gamma) {
    NDArray p = Activation.sigmoid(logits.stopGradient());
    NDArray weight = GraphSafe.mul(GraphSafe.pow(p, (float) gamma), (float) alpha)
        .mul(positive.neg().add(1f)).add(q);
    // binary cross entropy with logits against the soft target q: (1 - q) x - log sigmoid(x)
    NDArray bce = q.neg().add(1f).mul(logits).add(Activation.softPlus(logits.neg()));
    return bce.mul(weight);
  }

  /** The IoU of box i of two [N, 4] cxcywh arrays. */
  static float iou(float[] a, float[] b, int i) {
    float ax0 = a[4 * i] - a[4 * i + 2] / 2;
    float ay0 = a[4 * i + 1] - a[4 * i + 3] / 2;
    float ax1 = a[4 * i] + a[4 * i + 2] / 2;
    float ay1 = a[4 * i + 1] + a[4 * i + 3] / 2;
    float bx0 = b[4 * i] - b[4 * i + 2] / 2;
    float by0 = b[4 * i + 1] - b[4 * i + 3] / 2;
    float bx1 = b[4 * i] + b[4 * i + 2] / 2;
    float by1 = b[4 * i + 1] + b[4 * i + 3] / 2;
    float inter = Math.max(0f, Math.min(ax1, bx1) - Math.max(ax0, bx0))
        * Math.max(0f, Math.min(ay1, by1) - Math.max(ay0, by0));
    float union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter;
    return union > 0 ? inter / union : 0f;
  }
}

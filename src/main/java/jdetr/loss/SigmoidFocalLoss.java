package jdetr.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import jdetr.autograd.GraphSafe;

/**
 * The focal loss of RetinaNet on sigmoid logits, as Deformable DETR applies it to the class head:
 * {@code FL = alpha_t * (1 - p_t)^gamma * BCE(x, t)} element-wise, with {@code p_t = p t + (1-p)(1-t)}
 * and {@code alpha_t = alpha t + (1 - alpha)(1 - t)}.
 */
final class SigmoidFocalLoss {

  private SigmoidFocalLoss() {}

  /**
   * Deformable DETR's {@code loss_ce}: {@code FL.mean(1).sum() / numBoxes * Q}, i.e. the focal loss
   * summed over images, queries and classes and divided by the number of target boxes.
   *
   * @param logits [B, Q, C]
   * @param onehot [B, Q, C] 1 at the matched target class, 0 elsewhere (all 0 for unmatched queries);
   *     autograd keeps it until backward, so it must be libtorch memory ({@link GraphSafe#create})
   */
  static NDArray loss(NDArray logits, NDArray onehot, double numBoxes, double alpha, double gamma) {
    long queries = logits.getShape().get(1);
    NDArray loss = elementwise(logits, onehot, alpha, gamma);
    return GraphSafe.mul(GraphSafe.div(loss.mean(new int[] {1}).sum(), (float) numBoxes), (float) queries);
  }

  /**
   * The focal loss of every element, same shape as {@code logits}.
   *
   * @param targets 0/1 labels, libtorch memory ({@link GraphSafe#create}) as autograd keeps them
   */
  static NDArray elementwise(NDArray logits, NDArray targets, double alpha, double gamma) {
    NDArray prob = Activation.sigmoid(logits);
    // binary cross entropy with logits, in the stable form (1 - t) x - log sigmoid(x)
    NDArray ce = targets.neg().add(1f).mul(logits).add(Activation.softPlus(logits.neg()));
    NDArray pt = prob.mul(targets).add(prob.neg().add(1f).mul(targets.neg().add(1f)));
    NDArray loss = ce.mul(GraphSafe.pow(pt.neg().add(1f), (float) gamma));
    if (alpha >= 0) {
      NDArray alphaT = GraphSafe.mul(targets, (float) alpha)
          .add(GraphSafe.mul(targets.neg().add(1f), (float) (1 - alpha)));
      loss = alphaT.mul(loss);
    }
    return loss;
  }
}

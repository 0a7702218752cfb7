package jdetr.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdetr.autograd.GraphSafe;
import jdetr.model.nn.Interpolate;

/**
 * DETRsegm's mask losses on the last decoder layer (the reference's {@code loss_masks}; auxiliary
 * layers have none). The matched queries' mask logits {@code pred_masks[src_idx]} are upsampled
 * bilinearly (align_corners=False) to the padded target size and compared pixel by pixel with their
 * targets' masks, zero-padded ({@link MaskTargets}):
 *
 * <ul>
 *   <li>{@code loss_mask}: sigmoid focal loss (alpha 0.25, gamma 2), mean over the padded pixels,
 *       summed over the matched pairs, / num_boxes;
 *   <li>{@code loss_dice}: {@code 1 - (2 sum(p t) + 1) / (sum p + sum t + 1)} with {@code p =
 *       sigmoid}, summed over the pairs, / num_boxes.
 * </ul>
 *
 * @param maskCoef weight of {@code loss_mask} ({@code --mask_loss_coef} 1)
 * @param diceCoef weight of {@code loss_dice} ({@code --dice_loss_coef} 1)
 */
public record MaskLosses(double maskCoef, double diceCoef) {

  public static final double ALPHA = 0.25;
  public static final double GAMMA = 2;

  /** The reference's weights: 1 and 1. */
  public static MaskLosses defaults() {
    return new MaskLosses(1, 1);
  }

  /** The weight of each term. */
  public Map<String, Double> weightDict() {
    Map<String, Double> w = new LinkedHashMap<>();
    w.put("loss_mask", maskCoef);
    w.put("loss_dice", diceCoef);
    return w;
  }

  /**
   * @param predMasks [B, Q, h, w] mask logits of the last decoder layer
   * @param targets the images' masks, B of them
   * @param matchings the last layer's matching per image (query i -> target j)
   * @param numBoxes the step's num_boxes ({@link Normalisers#numBoxes})
   * @return {@code loss_mask} and {@code loss_dice}, scalars on {@code predMasks}' manager
   */
  public Map<String, NDArray> compute(NDArray predMasks, MaskTargets targets,
      List<Matching> matchings, double numBoxes) {
    Shape ps = predMasks.getShape();
    int b = Math.toIntExact(ps.get(0));
    long q = ps.get(1);
    if (ps.dimension() != 4 || targets.size() != b || matchings.size() != b) {
      throw new IllegalArgumentException("mask losses: pred_masks must be [B, Q, h, w] with B = "
          + targets.size() + " target images and " + matchings.size() + " matchings, got " + ps);
    }
    NDManager owner = predMasks.getManager();
    Map<String, NDArray> out = new LinkedHashMap<>();
    try (NDManager scope = owner.newSubManager()) {
      scope.tempAttachAll(predMasks);
      targets.perImage().forEach(scope::tempAttachAll); // what is derived from them stays here
      long[] flatQuery = flatQueries(matchings, targets, q);
      NDArray loss;
      NDArray dice;
      if (flatQuery.length == 0) { // nothing matched: both terms 0, still on the graph
        loss = GraphSafe.mul(predMasks.sum(), 0f);
        dice = GraphSafe.mul(predMasks.sum(), 0f);
      } else {
        NDArray idx = GraphSafe.create(scope, flatQuery, new Shape(flatQuery.length));
        NDArray src = predMasks.reshape(b * q, 1, ps.get(2), ps.get(3)).get(idx); // [N, 1, h, w]
        long hw = targets.paddedHeight() * targets.paddedWidth();
        NDArray logits = Interpolate.bilinear(src, targets.paddedHeight(), targets.paddedWidth())
            .reshape(flatQuery.length, hw); // [N, H * W]
        NDArray t = paddedTargets(scope, targets, matchings).reshape(flatQuery.length, hw);
        NDArray focal = SigmoidFocalLoss.elementwise(logits, t, ALPHA, GAMMA); // [N, H * W]
        loss = GraphSafe.div(focal.mean(new int[] {1}).sum(), (float) numBoxes);
        NDArray p = Activation.sigmoid(logits);
        NDArray numerator = GraphSafe.mul(p.mul(t).sum(new int[] {1}), 2f); // [N]
        NDArray denominator = p.sum(new int[] {-1}).add(t.sum(new int[] {-1})); // [N]
        NDArray ratio = numerator.add(1f).div(denominator.add(1f));
        dice = GraphSafe.div(ratio.neg().add(1f).sum(), (float) numBoxes);
      }
      loss.attach(owner);
      dice.attach(owner);
      out.put("loss_mask", loss);
      out.put("loss_dice", dice);
    }
    return out;
  }

  /** b * Q + query of every matched pair, image-major in matching order (the reference's src_idx). */
  private static long[] flatQueries(List<Matching> matchings, MaskTargets targets, long q) {
    int n = 0;
    for (int i = 0; i < matchings.size(); i++) {
      Matching m = matchings.get(i);
      long available = targets.perImage().get(i).getShape().get(0);
      for (int j = 0; j < m.size(); j++) {
        if (m.queryIdx()[j] < 0 || m.queryIdx()[j] >= q || m.targetIdx()[j] < 0
            || m.targetIdx()[j] >= available) {
          throw new IllegalArgumentException("mask losses, image " + i + ", pair " + j + ": query "
              + m.queryIdx()[j] + " of " + q + ", target " + m.targetIdx()[j] + " of " + available
              + " masks");
        }
      }
      n += m.size();
    }
    long[] out = new long[n];
    int k = 0;
    for (int i = 0; i < matchings.size(); i++) {
      for (int query : matchings.get(i).queryIdx()) {
        out[k++] = i * q + query;
      }
    }
    return out;
  }

  /** The matched targets' masks, zero-padded: [N, H, W] float, in pair order (tgt_idx). */
  private static NDArray paddedTargets(NDManager scope, MaskTargets targets,
      List<Matching> matchings) {
    NDList parts = new NDList();
    for (int i = 0; i < matchings.size(); i++) {
      Matching m = matchings.get(i);
      if (m.size() == 0) {
        continue;
      }
      NDArray masks = targets.perImage().get(i);
      Shape s = masks.getShape();
      long[] t = new long[m.size()];
      for (int j = 0; j < t.length; j++) {
        t[j] = m.targetIdx()[j];
      }
      NDArray picked = masks.get(GraphSafe.create(scope, t, new Shape(t.length)))
          .toType(DataType.FLOAT32, true); // [n_i, H_i, W_i]
      NDArray padded = scope.zeros(new Shape(t.length, targets.paddedHeight(),
          targets.paddedWidth()), DataType.FLOAT32);
      padded.set(new NDIndex(":, :{}, :{}", s.get(1), s.get(2)), picked);
      parts.add(padded);
    }
    return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0);
  }
}

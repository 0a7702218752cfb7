package jdetr.train;

import java.nio.file.Path;
import jdetr.loss.MaskLosses;

/**
 * The recipe's segmentation keys, under the reference's flag names; they matter only with
 * {@code model.masks}.
 *
 * @param maskLossCoef weight of {@code loss_mask} ({@code --mask_loss_coef} 1)
 * @param diceLossCoef weight of {@code loss_dice} ({@code --dice_loss_coef} 1)
 * @param frozenWeights {@code --frozen_weights}: a trained detector (official {@code .pth} or
 *     jdetr weights directory) whose weights are loaded and frozen, so that only the mask head
 *     trains; null to train everything
 */
public record SegmentationRecipe(double maskLossCoef, double diceLossCoef, Path frozenWeights) {

  /** The reference's defaults: both coefficients 1, nothing frozen. */
  public static final SegmentationRecipe DEFAULTS = new SegmentationRecipe(1, 1, null);

  public SegmentationRecipe {
    if (!(maskLossCoef >= 0) || !(diceLossCoef >= 0) || !Double.isFinite(maskLossCoef)
        || !Double.isFinite(diceLossCoef)) {
      throw new IllegalArgumentException("recipe mask_loss_coef, dice_loss_coef: must be finite"
          + " and >= 0, got " + maskLossCoef + ", " + diceLossCoef);
    }
  }

  /**
   * Refuses {@code frozen_weights} without masks (as the reference) and beside {@code weights}.
   *
   * @param masks the recipe's {@code model.masks}
   * @param weights the recipe sets {@code weights}
   */
  public void check(boolean masks, boolean weights) {
    if (frozenWeights != null && !masks) {
      throw new IllegalArgumentException("recipe frozen_weights: Frozen training is meant for"
          + " segmentation only (set model.masks to true)");
    }
    if (frozenWeights != null && weights) {
      throw new IllegalArgumentException("recipe frozen_weights and weights: give one (frozen_weights"
          + " loads the detector and freezes it)");
    }
  }

  /** The mask losses with these weights. */
  public MaskLosses maskLosses() {
    return new MaskLosses(maskLossCoef, diceLossCoef);
  }
}

package jdetr.bus;

/**
 * Weights of the Hungarian matching cost: {@code C = class·Cclass + bbox·L1 + giou·(−GIoU)}.
 *
 * @param classCost weight of the classification cost ({@code --set_cost_class})
 * @param bboxCost weight of the L1 box cost ({@code --set_cost_bbox})
 * @param giouCost weight of the GIoU cost ({@code --set_cost_giou})
 */
public record MatchCosts(double classCost, double bboxCost, double giouCost) {
  /** DETR's defaults: 1, 5, 2. */
  public static final MatchCosts DETR = new MatchCosts(1, 5, 2);
  /** Deformable DETR's defaults: 2, 5, 2. */
  public static final MatchCosts DEFORMABLE_DETR = new MatchCosts(2, 5, 2);
}

package jdetr.bus;

/**
 * Weights of the Hungarian matching cost: {@code C = class·Cclass + bbox·L1 + giou·(−GIoU)}.
 *
 * @param classCost weight of the classification cost ({@code --set_cost_class})
 * @param bboxCost weight of the L1 box cost ({@code --set_cost_bbox})
 * @param giouCost weight of the GIoU cost ({@code --set_cost_giou})
 */
public record MatchCosts(float classCost, float bboxCost, float giouCost) {
  /** DETR's defaults: 1, 5, 2. */
  public static final MatchCosts DETR = new MatchCosts(1f, 5f, 2f);
  /** Deformable DETR's defaults: 2, 5, 2. */
  public static final MatchCosts DEFORMABLE_DETR = new MatchCosts(2f, 5f, 2f);
}

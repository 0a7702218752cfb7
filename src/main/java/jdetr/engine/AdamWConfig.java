package jdetr.engine;

/**
 * AdamW hyper-parameters other than the learning rate.
 *
 * @param beta1 first-moment decay (torch default 0.9)
 * @param beta2 second-moment decay (torch default 0.999)
 * @param eps added to the bias-corrected root of the second moment (torch default 1e-8)
 * @param weightDecay decoupled weight decay (DETR and Deformable DETR: 1e-4)
 */
public record AdamWConfig(double beta1, double beta2, double eps, double weightDecay) {
  /** The reference recipes: torch's betas and eps, weight decay 1e-4. */
  public static final AdamWConfig DETR = new AdamWConfig(0.9, 0.999, 1e-8, 1e-4);
}

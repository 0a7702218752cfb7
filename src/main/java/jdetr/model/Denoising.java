package jdetr.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Denoising training (DN-DETR, Li et al. 2022) for two-stage Deformable DETR; not part of the
 * reference models, off by default. During training, every ground-truth box is fed to the decoder
 * {@code groups} more times as a query: its box jittered (centre by up to {@code boxNoise} x half
 * the size, width and height by up to {@code boxNoise} x the size) and its label replaced by a
 * random class with probability {@code labelNoise}. Each such query must reconstruct its own box
 * and true class, with the usual class and box loss terms (suffix {@code _dn}) and no matching.
 * An attention mask keeps the matching queries blind to the denoising queries, and each
 * denoising group blind to the others, so evaluation (which has no denoising queries) sees the
 * model it trained.
 *
 * <p>Contrastive denoising (DINO, Zhang et al. 2022, {@code prepare_for_cdn}) holds every target
 * twice per group and jitters each box corner instead: a positive query by up to
 * {@code boxNoise} x half the size, which reconstructs the target as above, and a negative query by
 * between one and two times that, which must answer "no object" (class loss only). The negatives
 * teach the model to reject a second box near an object, the duplicates one-to-one matching alone
 * leaves early in training.
 *
 * @param groups denoising groups, each holding every target once (twice when contrastive); 0 turns
 *     denoising off
 * @param labelNoise probability that a denoising query's label is drawn at random
 * @param boxNoise the box jitter scale (DN-DETR's and DINO's {@code box_noise_scale})
 * @param contrastive DINO's positive and negative queries per target (false: DN-DETR's)
 */
public record Denoising(
    @JsonProperty("groups") int groups,
    @JsonProperty("label_noise") double labelNoise,
    @JsonProperty("box_noise") double boxNoise,
    @JsonProperty("contrastive") boolean contrastive) {

  public Denoising {
    check(groups >= 0, "groups", "must be >= 0, got " + groups);
    check(labelNoise >= 0 && labelNoise <= 1, "label_noise", "must be in [0, 1], got " + labelNoise);
    check(boxNoise >= 0, "box_noise", "must be >= 0, got " + boxNoise);
  }

  /** DN-DETR's denoising queries (not contrastive). */
  public Denoising(int groups, double labelNoise, double boxNoise) {
    this(groups, labelNoise, boxNoise, false);
  }

  /** No denoising queries (the reference models). */
  public static Denoising off() {
    return new Denoising(0, 0.2, 0.4);
  }

  /** Denoising queries per target and group: 2 when contrastive (a positive and a negative). */
  public int queriesPerTarget() {
    return contrastive ? 2 : 1;
  }

  public boolean enabled() {
    return groups > 0;
  }

  private static void check(boolean ok, String field, String message) {
    if (!ok) {
      throw new IllegalArgumentException("Deformable DETR config denoising." + field + ": " + message);
    }
  }
}

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
 * @param groups denoising groups, each holding every target once; 0 turns denoising off
 * @param labelNoise probability that a denoising query's label is drawn at random
 * @param boxNoise the box jitter scale (DN-DETR's {@code box_noise_scale})
 */
public record Denoising(
    @JsonProperty("groups") int groups,
    @JsonProperty("label_noise") double labelNoise,
    @JsonProperty("box_noise") double boxNoise) {

  public Denoising {
    check(groups >= 0, "groups", "must be >= 0, got " + groups);
    check(labelNoise >= 0 && labelNoise <= 1, "label_noise", "must be in [0, 1], got " + labelNoise);
    check(boxNoise >= 0, "box_noise", "must be >= 0, got " + boxNoise);
  }

  /** No denoising queries (the reference models). */
  public static Denoising off() {
    return new Denoising(0, 0.2, 0.4);
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

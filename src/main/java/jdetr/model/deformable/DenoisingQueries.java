package jdetr.model.deformable;

import java.util.Arrays;
import java.util.List;
import jdetr.data.Target;
import jdetr.model.Denoising;

/**
 * The denoising queries of a batch ({@link Denoising}): per image {@code groups} groups of
 * {@code slots} queries, slot j of every group holding target j with a jittered box and a possibly
 * flipped label; slots past the image's own target count are padding (label -1, box at the image
 * centre) and learn "no object". The slot count is the batch's largest target count N (2N when
 * contrastive: slot N + j holds target j's negative query), so every micro-batch of a step sees the
 * queries the whole batch would.
 *
 * @param images B
 * @param groups G
 * @param slots M, slots per group
 * @param labels [B, G * M] noised class, -1 for padding
 * @param boxes [B, G * M, 4] noised cxcywh in [0, 1]
 */
public record DenoisingQueries(int images, int groups, int slots, int[] labels, float[] boxes) {

  /** Uniform numbers per query: 4 for the box, 2 for the label (flip or not, which class). */
  public static final int UNIFORMS_PER_QUERY = 6;

  private static final float PADDING_COORD = 0.5f;

  /** Queries per image, G * M. */
  public int perImage() {
    return groups * slots;
  }

  /**
   * Draws the queries of {@code targets}.
   *
   * @param numClasses labels are drawn from [0, numClasses)
   * @param uniforms [B, G * M, {@link #UNIFORMS_PER_QUERY}] numbers in [0, 1), M as
   *     {@link #slots(List, Denoising)}
   */
  public static DenoisingQueries draw(List<Target> targets, Denoising options, int numClasses,
      float[] uniforms) {
    int b = targets.size();
    int g = options.groups();
    int n = slots(targets); // the largest target count
    int m = n * options.queriesPerTarget();
    int d = g * m;
    if (uniforms.length != b * d * UNIFORMS_PER_QUERY) {
      throw new IllegalArgumentException(uniforms.length + " uniform numbers for " + b * d
          + " denoising queries (" + UNIFORMS_PER_QUERY + " each)");
    }
    int[] labels = new int[b * d];
    float[] boxes = new float[b * d * 4];
    Arrays.fill(labels, -1);
    Arrays.fill(boxes, PADDING_COORD);
    float scale = (float) options.boxNoise();
    for (int i = 0; i < b; i++) {
      Target t = targets.get(i);
      for (int group = 0; group < g; group++) {
        for (int j = 0; j < t.size(); j++) {
          for (int negative = 0; negative < options.queriesPerTarget(); negative++) {
            int q = i * d + group * m + negative * n + j;
            int u = q * UNIFORMS_PER_QUERY;
            float[] box = Arrays.copyOfRange(t.boxes(), 4 * j, 4 * j + 4); // cxcywh
            float[] noisy = options.contrastive()
                ? cornerNoise(box, uniforms, u, scale, negative == 1)
                : centreAndSizeNoise(box, uniforms, u, scale);
            System.arraycopy(noisy, 0, boxes, 4 * q, 4);
            boolean flip = uniforms[u + 4] < options.labelNoise();
            labels[q] = flip ? Math.min(numClasses - 1, (int) (uniforms[u + 5] * numClasses))
                : t.labels()[j];
          }
        }
      }
    }
    return new DenoisingQueries(b, g, m, labels, boxes);
  }

  /**
   * DN-DETR: the centre shifted by up to half the size, the size changed by up to the size, times
   * the scale; clamped to [0, 1].
   */
  private static float[] centreAndSizeNoise(float[] box, float[] uniforms, int u, float scale) {
    float w = box[2];
    float h = box[3];
    float[] reach = {w / 2, h / 2, w, h};
    float[] out = new float[4];
    for (int c = 0; c < 4; c++) {
      float v = box[c] + (uniforms[u + c] * 2 - 1) * reach[c] * scale;
      out[c] = Math.min(1f, Math.max(0f, v));
    }
    return out;
  }

  /**
   * DINO: each corner of the xyxy box moved by r x half the size x the scale, with r uniform in
   * (-1, 1) for a positive and in ±[1, 2) for a negative (sign and magnitude from one uniform
   * number: 2u - 1); corners clamped to [0, 1], back to cxcywh.
   */
  private static float[] cornerNoise(float[] box, float[] uniforms, int u, float scale,
      boolean negative) {
    float[] half = {box[2] / 2, box[3] / 2};
    float[] corners = {box[0] - half[0], box[1] - half[1], box[0] + half[0], box[1] + half[1]};
    for (int c = 0; c < 4; c++) {
      float r = uniforms[u + c] * 2 - 1;
      if (negative) {
        r += r < 0 ? -1 : 1;
      }
      float v = corners[c] + r * half[c % 2] * scale;
      corners[c] = Math.min(1f, Math.max(0f, v));
    }
    return new float[] {(corners[0] + corners[2]) / 2, (corners[1] + corners[3]) / 2,
        corners[2] - corners[0], corners[3] - corners[1]};
  }

  /** M: the slots per group, the largest target count times the queries per target. */
  public static int slots(List<Target> targets, Denoising options) {
    return slots(targets) * options.queriesPerTarget();
  }

  /** N: the largest target count of the batch. */
  public static int slots(List<Target> targets) {
    return targets.stream().mapToInt(Target::size).max().orElse(0);
  }

  /** The queries of images [from, to). */
  public DenoisingQueries images(int from, int to) {
    int d = perImage();
    return new DenoisingQueries(to - from, groups, slots,
        Arrays.copyOfRange(labels, from * d, to * d),
        Arrays.copyOfRange(boxes, from * d * 4, to * d * 4));
  }

  /** The labels one-hot, [B, G * M, numClasses]; padding rows all zero. */
  public float[] oneHotLabels(int numClasses) {
    float[] onehot = new float[labels.length * numClasses];
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] >= 0) {
        onehot[i * numClasses + labels[i]] = 1f;
      }
    }
    return onehot;
  }

  /** {@link #blocked} as an additive attention bias: -inf where blocked, else 0. */
  public float[] selfAttentionBias(int numQueries) {
    return new QueryGroups(numQueries, 0, groups, slots).selfAttentionBias();
  }

  /**
   * Which query may attend to which in the decoder's self-attention, for {@code numQueries}
   * matching queries followed by these denoising queries: a matching query sees only matching
   * queries; a denoising query sees the matching queries and its own group ({@link QueryGroups}).
   *
   * @return [(Q + G M) * (Q + G M)] row-major, row = attending query, true = blocked
   */
  public boolean[] blocked(int numQueries) {
    return new QueryGroups(numQueries, 0, groups, slots).blocked();
  }
}

package jdetr.model.deformable;

import java.util.Arrays;
import java.util.List;
import jdetr.data.Target;
import jdetr.model.Denoising;

/**
 * The denoising queries of a batch ({@link Denoising}): per image {@code groups} groups of
 * {@code slots} queries, slot j of every group holding target j with a jittered box and a possibly
 * flipped label; slots past the image's own target count are padding (label -1, box at the image
 * centre) and learn "no object". The slot count is the batch's largest target count, so every
 * micro-batch of a step sees the queries the whole batch would.
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
   * @param uniforms [B, G * M, {@link #UNIFORMS_PER_QUERY}] numbers in [0, 1)
   */
  public static DenoisingQueries draw(List<Target> targets, Denoising options, int numClasses,
      float[] uniforms) {
    int b = targets.size();
    int g = options.groups();
    int m = slots(targets);
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
          int q = i * d + group * m + j;
          int u = q * UNIFORMS_PER_QUERY;
          float[] box = Arrays.copyOfRange(t.boxes(), 4 * j, 4 * j + 4); // cxcywh
          float w = box[2];
          float h = box[3];
          // shift the centre by up to half the size, the size by up to the size, times the scale
          float[] reach = {w / 2, h / 2, w, h};
          for (int c = 0; c < 4; c++) {
            float v = box[c] + (uniforms[u + c] * 2 - 1) * reach[c] * scale;
            boxes[4 * q + c] = Math.min(1f, Math.max(0f, v));
          }
          boolean flip = uniforms[u + 4] < options.labelNoise();
          labels[q] = flip ? Math.min(numClasses - 1, (int) (uniforms[u + 5] * numClasses))
              : t.labels()[j];
        }
      }
    }
    return new DenoisingQueries(b, g, m, labels, boxes);
  }

  /** M: the largest target count of the batch. */
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

package jdetr.model.deformable;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The arithmetic of {@link DirectSampling} over Java arrays: for a block of (image, query) rows,
 * every head's L x P samples, each reading its four bilinear corners from the value map and adding
 * them, weighted by attention x bilinear weight, to the head's D output channels.
 *
 * <p>The value map is held head-major, [N, M, S, D], so a head's cells are D floats apart: the
 * two corners of a row of the bilinear patch are 2 x D contiguous floats, and a block of queries
 * sampled head by head stays within one head's slice of the map. The sampling locations are
 * either given ({@link Locations#ABSOLUTE}) or computed here from the reference points and the
 * raw sampling offsets, in the float operations MSDeformAttn uses: {@code ref + offset / (W_l,
 * H_l)} for points, {@code centre + offset / P * size * 0.5} for boxes. Then grid_sample's
 * (bilinear, zero padding, align_corners=False), in the float operations of its CPU kernel: g = 2 *
 * loc - 1, pixel = (g + 1) * size / 2 - 0.5; a corner off the map reads 0.
 *
 * <p>{@link #sampleInput} takes the sum in the other order, over the input features of the
 * corners (token-major [N, S, C], read from libtorch's memory), for MSDeformAttn to project.
 *
 * <p>For D = 32 (d_model 256, 8 heads) the corners are first copied into a work array at constant
 * distances and summed there ({@link #accumulate32}): loads and stores in one array at constant
 * distances are what the JIT (C2's SuperWord) proves independent and vectorises.
 */
final class DirectSamplingKernel {

  /** The head width (d_model 256 / 8 heads) with a vectorised kernel. */
  static final int WIDTH = 32;

  /** Where a sample's location comes from. */
  enum Locations {
    /** given: [N, Lq, M, L, P, 2] normalised (x, y); no reference points. */
    ABSOLUTE(0),
    /** reference points [N, Lq, L, 2] (x, y) plus offsets in pixels of each level. */
    POINTS(2),
    /** reference boxes [N, Lq, L, 4] (cx, cy, w, h) plus offsets in units of half the box / P. */
    BOXES(4);

    /** Floats per (query, level) reference. */
    final int width;

    Locations(int width) {
      this.width = width;
    }
  }

  final int images;
  final int queries;
  final int heads;
  final int channels;
  final int levelCount;
  final int points;
  final int tokens; // S
  final Locations form;
  private final int[] widths;
  private final int[] heights;
  private final int[] starts;
  private final float[] floatWidths;
  private final float[] floatHeights;
  private final float[] halfWidths;
  private final float[] halfHeights;
  private final float pointCount;
  private final float[] value; // [N, M, S, D]

  DirectSamplingKernel(FeatureLevels levels, int images, int queries, int heads, int channels,
      int points, Locations form, float[] value) {
    this.images = images;
    this.queries = queries;
    this.heads = heads;
    this.channels = channels;
    this.points = points;
    this.form = form;
    this.value = value;
    levelCount = levels.count();
    tokens = levels.size();
    pointCount = points;
    widths = new int[levelCount];
    heights = new int[levelCount];
    starts = new int[levelCount];
    floatWidths = new float[levelCount];
    floatHeights = new float[levelCount];
    halfWidths = new float[levelCount];
    halfHeights = new float[levelCount];
    for (int l = 0; l < levelCount; l++) {
      widths[l] = levels.width(l);
      heights[l] = levels.height(l);
      starts[l] = levels.start(l);
      floatWidths[l] = widths[l];
      floatHeights[l] = heights[l];
      halfWidths[l] = (float) widths[l] / 2;
      halfHeights[l] = (float) heights[l] / 2;
    }
  }

  /** (image, query) rows. */
  int rows() {
    return images * queries;
  }

  /** Samples per (image, query) row: M x L x P. */
  int samplesPerRow() {
    return heads * levelCount * points;
  }

  /** Floats of reference per row: L x 2, L x 4, or none. */
  int referencePerRow() {
    return levelCount * form.width;
  }

  /** Floats of output per row: M x D. */
  int outputPerRow() {
    return heads * channels;
  }

  /** Buffers for one block of rows: its inputs copied in, its output written out. */
  final class Block {
    final float[] offsets; // [rows, M, L, P, 2] offsets or absolute locations
    final float[] attention; // [rows, M, L, P]
    final float[] reference; // [rows, L, 2 | 4]
    final float[] out; // [rows, M, D], or [M, rows, C] (sampleInput)
    final float[] weightSums; // [M, rows] (sampleInput)
    final int inputWidth; // C (sampleInput), or 0
    private final float[] scratch;
    private final float[][] cornerRows;
    private final float[] weight = new float[4];
    private final int[] cell = new int[4];

    /** Buffers for {@link #sample}. */
    Block(int capacity) {
      this(capacity, 0);
    }

    /** Buffers for {@link #sampleInput} of C = {@code inputWidth} features, or 0 for none. */
    Block(int capacity, int inputWidth) {
      this.inputWidth = inputWidth;
      offsets = new float[capacity * samplesPerRow() * 2];
      attention = new float[capacity * samplesPerRow()];
      reference = new float[capacity * referencePerRow()];
      if (inputWidth > 0) {
        out = new float[capacity * heads * inputWidth];
        weightSums = new float[capacity * heads];
        scratch = new float[inputWidth];
        cornerRows = new float[4][inputWidth];
      } else {
        out = new float[capacity * outputPerRow()];
        weightSums = null;
        scratch = new float[channels == WIDTH ? 5 * WIDTH : channels];
        cornerRows = null;
      }
    }
  }

  /**
   * Fills {@code block.out} for rows [from, from + count) (row = image * Lq + query) from the
   * block's inputs of those rows, head by head: [count, M, D] sampled values.
   */
  void sample(int from, int count, Block block) {
    int accAt = channels == WIDTH ? 4 * WIDTH : 0;
    float[] acc = block.scratch;
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < count; i++) {
        int image = (from + i) / queries;
        int headBase = (image * heads + h) * tokens;
        Arrays.fill(acc, accAt, accAt + channels, 0f);
        int sample = (i * heads + h) * levelCount * points;
        for (int l = 0; l < levelCount; l++) {
          int levelBase = headBase + starts[l]; // cell c of head h: (levelBase + c) * D
          for (int p = 0; p < points; p++, sample++) {
            int found = corners(i, l, sample, block);
            if (found == 0) {
              continue;
            }
            float[] wt = block.weight;
            int[] cell = block.cell;
            int inw = (levelBase + cell[0]) * channels;
            int ine = (levelBase + cell[1]) * channels;
            int isw = (levelBase + cell[2]) * channels;
            int ise = (levelBase + cell[3]) * channels;
            if (channels == WIDTH) {
              accumulate32(acc, value, found == PAIRS, wt[0], inw, wt[1], ine, wt[2], isw, wt[3],
                  ise);
            } else {
              accumulate(acc, value, channels, wt[0], inw, wt[1], ine, wt[2], isw, wt[3], ise);
            }
          }
        }
        System.arraycopy(acc, accAt, block.out, (i * heads + h) * channels, channels);
      }
    }
  }

  /**
   * The other order of MSDeformAttn's sum, for few queries over a large map: instead of the
   * values, samples the C input features themselves, with each head's locations and weights
   * (value_proj is linear: the head's projection of this sum, plus its bias times the summed
   * weights, is the head's sampled value). Fills {@code block.out} with [M, count, C] (head-major)
   * and {@code block.weightSums} with [M, count]: the weights of the corners on the map and not
   * padded (a padded or absent value is 0, bias included).
   *
   * @param input [N, S, C] the input features
   * @param padding [N, S] one byte per token, non-zero = padding; or null
   */
  void sampleInput(int from, int count, Block block, FloatBuffer input, ByteBuffer padding) {
    int c = block.inputWidth;
    float[] acc = block.scratch;
    float[][] rows = block.cornerRows;
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < count; i++) {
        int image = (from + i) / queries;
        Arrays.fill(acc, 0, c, 0f);
        float weightSum = 0f;
        int sample = (i * heads + h) * levelCount * points;
        for (int l = 0; l < levelCount; l++) {
          int levelBase = image * tokens + starts[l]; // (image, token) of cell c: levelBase + c
          for (int p = 0; p < points; p++, sample++) {
            if (corners(i, l, sample, block) == 0) {
              continue;
            }
            float[] wt = block.weight;
            for (int k = 0; k < 4; k++) {
              int token = levelBase + block.cell[k];
              if (padding != null && padding.get(token) != 0) {
                wt[k] = 0f;
              }
              weightSum += wt[k];
              input.get(token * c, rows[k], 0, c);
            }
            accumulateRows(acc, c, wt[0], rows[0], wt[1], rows[1], wt[2], rows[2], wt[3],
                rows[3]);
          }
        }
        System.arraycopy(acc, 0, block.out, (h * count + i) * c, c);
        block.weightSums[h * count + i] = weightSum;
      }
    }
  }

  /** Returned by {@link #corners} when the west and east corners are both on the map. */
  private static final int PAIRS = 2;

  /**
   * The bilinear corners of a sample, into {@code block.cell} (nw, ne, sw, se: y * W + x within
   * level l; a corner off the map names a cell on it and weighs 0) and {@code block.weight}
   * (attention x bilinear weight).
   *
   * @param i the row within the block
   * @param sample the sample's index within the block ((row * M + head) * L + level) * P + point
   * @return 0 if no corner is on the map (or the location is NaN), {@link #PAIRS} if the west
   *     and east corners both are, 1 otherwise
   */
  private int corners(int i, int l, int sample, Block block) {
    float[] off = block.offsets;
    float[] ref = block.reference;
    int r = (i * levelCount + l) * form.width;
    float lx;
    float ly;
    switch (form) {
      case POINTS -> {
        lx = ref[r] + off[2 * sample] / floatWidths[l];
        ly = ref[r + 1] + off[2 * sample + 1] / floatHeights[l];
      }
      case BOXES -> {
        lx = ref[r] + off[2 * sample] / pointCount * ref[r + 2] * 0.5f;
        ly = ref[r + 1] + off[2 * sample + 1] / pointCount * ref[r + 3] * 0.5f;
      }
      default -> {
        lx = off[2 * sample];
        ly = off[2 * sample + 1];
      }
    }
    int w = widths[l];
    int ht = heights[l];
    float gx = lx * 2f - 1f;
    float gy = ly * 2f - 1f;
    float x = (gx + 1f) * halfWidths[l] - 0.5f;
    float y = (gy + 1f) * halfHeights[l] - 0.5f;
    float x0f = (float) Math.floor(x);
    float y0f = (float) Math.floor(y);
    if (!(x0f >= -1f && x0f <= w - 1 && y0f >= -1f && y0f <= ht - 1)) {
      return 0;
    }
    int x0 = (int) x0f;
    int y0 = (int) y0f;
    float west = x - x0f; // distance from the west column
    float north = y - y0f; // distance from the north row
    float east = 1f - west;
    float south = 1f - north;
    float a = block.attention[sample];
    boolean hasWest = x0 >= 0;
    boolean hasEast = x0 + 1 < w;
    boolean hasNorth = y0 >= 0;
    boolean hasSouth = y0 + 1 < ht;
    float[] wt = block.weight;
    wt[0] = hasNorth && hasWest ? south * east * a : 0f;
    wt[1] = hasNorth && hasEast ? south * west * a : 0f;
    wt[2] = hasSouth && hasWest ? north * east * a : 0f;
    wt[3] = hasSouth && hasEast ? north * west * a : 0f;
    int xw = hasWest ? x0 : 0;
    int xe = hasEast ? x0 + 1 : w - 1;
    int yn = (hasNorth ? y0 : 0) * w;
    int ys = (hasSouth ? y0 + 1 : ht - 1) * w;
    int[] cell = block.cell;
    cell[0] = yn + xw;
    cell[1] = yn + xe;
    cell[2] = ys + xw;
    cell[3] = ys + xe;
    return hasWest && hasEast ? PAIRS : 1;
  }

  /**
   * {@link #accumulate} for D = {@value #WIDTH}, in {@code scratch}: the corners are copied to
   * its first 4 x 32 floats (west and east of a row in one copy when both are on the map: they
   * are neighbours in [M, S, D]) and summed into the next 32.
   */
  private static void accumulate32(float[] scratch, float[] v, boolean pairs, float nw, int inw,
      float ne, int ine, float sw, int isw, float se, int ise) {
    if (pairs) {
      System.arraycopy(v, inw, scratch, 0, 2 * WIDTH);
      System.arraycopy(v, isw, scratch, 2 * WIDTH, 2 * WIDTH);
    } else {
      System.arraycopy(v, inw, scratch, 0, WIDTH);
      System.arraycopy(v, ine, scratch, WIDTH, WIDTH);
      System.arraycopy(v, isw, scratch, 2 * WIDTH, WIDTH);
      System.arraycopy(v, ise, scratch, 3 * WIDTH, WIDTH);
    }
    for (int c = 0; c < WIDTH; c++) {
      scratch[4 * WIDTH + c] += nw * scratch[c] + ne * scratch[WIDTH + c]
          + sw * scratch[2 * WIDTH + c] + se * scratch[3 * WIDTH + c];
    }
  }

  /**
   * acc[c] += the four weighted rows' channel c, c < d: one index in five arrays, which the JIT
   * vectorises.
   */
  private static void accumulateRows(float[] acc, int d, float nw, float[] n, float ne, float[] e,
      float sw, float[] s, float se, float[] t) {
    for (int c = 0; c < d; c++) {
      acc[c] += nw * n[c] + ne * e[c] + sw * s[c] + se * t[c];
    }
  }

  /** acc[c] += the four weighted corners' channel c, c < d. */
  private static void accumulate(float[] acc, float[] v, int d, float nw, int inw, float ne,
      int ine, float sw, int isw, float se, int ise) {
    for (int c = 0; c < d; c++) {
      acc[c] += nw * v[inw + c] + ne * v[ine + c] + sw * v[isw + c] + se * v[ise + c];
    }
  }
}

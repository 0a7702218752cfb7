package jdetr.model.deformable;

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
    final int capacity;
    final float[] offsets; // [rows, M, L, P, 2] offsets or absolute locations
    final float[] attention; // [rows, M, L, P]
    final float[] reference; // [rows, L, 2 | 4]
    final float[] out; // [rows, M, D]
    private final float[] scratch;

    Block(int capacity) {
      this.capacity = capacity;
      offsets = new float[capacity * samplesPerRow() * 2];
      attention = new float[capacity * samplesPerRow()];
      reference = new float[capacity * referencePerRow()];
      out = new float[capacity * outputPerRow()];
      scratch = new float[channels == WIDTH ? 5 * WIDTH : channels];
    }
  }

  /**
   * Fills {@code block.out} for rows [from, from + count) (row = image * Lq + query) from the
   * block's inputs of those rows, head by head.
   */
  void sample(int from, int count, Block block) {
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < count; i++) {
        int image = (from + i) / queries;
        float[] acc = block.scratch;
        int accAt = channels == WIDTH ? 4 * WIDTH : 0;
        Arrays.fill(acc, accAt, accAt + channels, 0f);
        sampleHead(i, h, (image * heads + h) * tokens, block);
        System.arraycopy(acc, accAt, block.out, (i * heads + h) * channels, channels);
      }
    }
  }

  /** Adds the L x P samples of block row i, head h, into the block's accumulator. */
  private void sampleHead(int i, int h, int headBase, Block block) {
    final int d = channels;
    final float[] off = block.offsets;
    final float[] ref = block.reference;
    int sample = (i * heads + h) * levelCount * points; // index into attention
    for (int l = 0; l < levelCount; l++) {
      int w = widths[l];
      int ht = heights[l];
      int levelBase = headBase + starts[l]; // cell (y, x) of head h: (levelBase + y * W + x) * D
      int r = (i * levelCount + l) * form.width;
      for (int p = 0; p < points; p++, sample++) {
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
        float gx = lx * 2f - 1f;
        float gy = ly * 2f - 1f;
        float x = (gx + 1f) * halfWidths[l] - 0.5f;
        float y = (gy + 1f) * halfHeights[l] - 0.5f;
        float x0f = (float) Math.floor(x);
        float y0f = (float) Math.floor(y);
        // a sample with no corner on the map (or NaN) adds nothing
        if (!(x0f >= -1f && x0f <= w - 1 && y0f >= -1f && y0f <= ht - 1)) {
          continue;
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
        float nw = hasNorth && hasWest ? south * east * a : 0f;
        float ne = hasNorth && hasEast ? south * west * a : 0f;
        float sw = hasSouth && hasWest ? north * east * a : 0f;
        float se = hasSouth && hasEast ? north * west * a : 0f;
        // corners off the map have weight 0: read a cell on the map instead
        int xw = hasWest ? x0 : 0;
        int xe = hasEast ? x0 + 1 : w - 1;
        int yn = hasNorth ? y0 : 0;
        int ys = hasSouth ? y0 + 1 : ht - 1;
        int inw = (levelBase + yn * w + xw) * d;
        int isw = (levelBase + ys * w + xw) * d;
        if (d == WIDTH) {
          accumulate32(block.scratch, value, hasWest && hasEast, nw, inw, ne,
              (levelBase + yn * w + xe) * d, sw, isw, se, (levelBase + ys * w + xe) * d);
        } else {
          accumulate(block.scratch, value, d, nw, inw, ne, (levelBase + yn * w + xe) * d, sw, isw,
              se, (levelBase + ys * w + xe) * d);
        }
      }
    }
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

  /** acc[c] += the four weighted corners' channel c, c < d. */
  private static void accumulate(float[] acc, float[] v, int d, float nw, int inw, float ne,
      int ine, float sw, int isw, float se, int ise) {
    for (int c = 0; c < d; c++) {
      acc[c] += nw * v[inw + c] + ne * v[ine + c] + sw * v[isw + c] + se * v[ise + c];
    }
  }
}

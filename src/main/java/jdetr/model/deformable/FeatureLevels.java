package jdetr.model.deformable;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import jdetr.autograd.GraphSafe;

/**
 * The sizes of the multi-scale feature maps {x^l}, l = 0..L-1, flattened one after another into a
 * sequence of S = sum H_l W_l tokens (row-major within a level): the reference's
 * {@code spatial_shapes} and {@code level_start_index}.
 */
public final class FeatureLevels {

  private final int[] heights;
  private final int[] widths;
  private final int[] starts;
  private final int size;

  public FeatureLevels(int[] heights, int[] widths) {
    if (heights.length == 0 || heights.length != widths.length) {
      throw new IllegalArgumentException("feature levels: " + heights.length + " heights and "
          + widths.length + " widths");
    }
    this.heights = heights.clone();
    this.widths = widths.clone();
    starts = new int[heights.length];
    int s = 0;
    for (int l = 0; l < heights.length; l++) {
      if (heights[l] < 1 || widths[l] < 1) {
        throw new IllegalArgumentException("feature level " + l + " is empty: " + heights[l] + "x"
            + widths[l]);
      }
      starts[l] = s;
      s = Math.addExact(s, Math.multiplyExact(heights[l], widths[l]));
    }
    size = s;
  }

  /** The levels of maps shaped [B, C, H_l, W_l]. */
  public static FeatureLevels of(List<NDArray> maps) {
    int[] h = new int[maps.size()];
    int[] w = new int[maps.size()];
    for (int l = 0; l < h.length; l++) {
      Shape s = maps.get(l).getShape();
      h[l] = Math.toIntExact(s.get(2));
      w[l] = Math.toIntExact(s.get(3));
    }
    return new FeatureLevels(h, w);
  }

  public int count() {
    return heights.length;
  }

  public int height(int level) {
    return heights[level];
  }

  public int width(int level) {
    return widths[level];
  }

  /** Index of the level's first token in the flattened sequence. */
  public int start(int level) {
    return starts[level];
  }

  /** S, the total number of tokens. */
  public int size() {
    return size;
  }

  /**
   * Per-level (W_l, H_l) as float32 in libtorch memory, shaped {@code [1, ..., 1, L, 1, 2]} with
   * {@code leading} ones before L: the offset normaliser of sampling offsets.
   */
  public NDArray widthHeight(NDManager manager, int leading) {
    float[] v = new float[2 * heights.length];
    for (int l = 0; l < heights.length; l++) {
      v[2 * l] = widths[l];
      v[2 * l + 1] = heights[l];
    }
    long[] dims = new long[leading + 3];
    java.util.Arrays.fill(dims, 1);
    dims[leading] = heights.length;
    dims[leading + 2] = 2;
    return GraphSafe.create(manager, v, new Shape(dims));
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("[");
    for (int l = 0; l < heights.length; l++) {
      b.append(l == 0 ? "" : ", ").append(heights[l]).append('x').append(widths[l]);
    }
    return b.append(']').toString();
  }
}

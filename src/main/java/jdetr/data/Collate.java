package jdetr.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Batches samples like DETR's {@code collate_fn}: pad to the largest H and W, mask the padding. */
public final class Collate {
  private Collate() {}

  public static Batch of(List<Sample> samples) {
    if (samples.isEmpty()) throw new IllegalArgumentException("cannot collate an empty batch");
    int b = samples.size(), h = 0, w = 0;
    for (Sample s : samples) {
      h = Math.max(h, s.height());
      w = Math.max(w, s.width());
    }
    int plane = h * w;
    float[] pixels = new float[3 * b * plane]; // [B, 3, H, W], zeros = padding
    boolean[] mask = new boolean[b * plane]; // [B, H, W]
    Arrays.fill(mask, true);
    int[] heights = new int[b], widths = new int[b];
    List<Target> targets = new ArrayList<>(b);
    for (int i = 0; i < b; i++) {
      Sample s = samples.get(i);
      heights[i] = s.height();
      widths[i] = s.width();
      targets.add(s.target());
      int sp = s.height() * s.width();
      for (int c = 0; c < 3; c++) {
        int dst = (i * 3 + c) * plane;
        for (int y = 0; y < s.height(); y++) {
          System.arraycopy(s.pixels(), c * sp + y * s.width(), pixels, dst + y * w, s.width());
        }
      }
      for (int y = 0; y < s.height(); y++) {
        Arrays.fill(mask, i * plane + y * w, i * plane + y * w + s.width(), false);
      }
    }
    return new Batch(b, h, w, heights, widths, pixels, mask, targets);
  }
}

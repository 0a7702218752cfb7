package jdetr.eval.panoptic;

/**
 * PIL's {@code Image.resize((w, h), Image.NEAREST)} of an image (Pillow's affine scaling):
 * output column x reads input column {@code (int) xo} where {@code xo} starts at {@code a / 2}
 * and grows by {@code a = (double) inW / outW} per column (accumulated, as Pillow does), rows
 * alike; a pixel whose source falls outside the input is 0, as Pillow's fill. An image of the same
 * size is copied.
 */
public final class NearestResize {
  private NearestResize() {}

  /** Resizes a row-major {@code h x w} map of ids to {@code outH x outW}. */
  public static int[] resize(int[] ids, int h, int w, int outH, int outW) {
    if (ids.length != (long) h * w) {
      throw new IllegalArgumentException(ids.length + " ids for a " + h + "x" + w + " map");
    }
    if (outH <= 0 || outW <= 0) {
      throw new IllegalArgumentException("target size must be positive, got " + outH + "x" + outW);
    }
    if (outH == h && outW == w) {
      return ids.clone();
    }
    int[] cols = sources(w, outW), rows = sources(h, outH);
    int[] out = new int[outH * outW];
    for (int y = 0; y < outH; y++) {
      if (rows[y] < 0) {
        continue;
      }
      int row = rows[y] * w;
      for (int x = 0; x < outW; x++) {
        out[y * outW + x] = cols[x] < 0 ? 0 : ids[row + cols[x]];
      }
    }
    return out;
  }

  /** The input index each output index reads, -1 outside the input. */
  private static int[] sources(int in, int out) {
    double a = (double) in / out;
    double o = a * 0.5;
    int[] src = new int[out];
    for (int i = 0; i < out; i++) {
      int s = (int) o; // o >= 0: Pillow's COORD is then a truncation
      src[i] = s < in ? s : -1;
      o += a;
    }
    return src;
  }
}

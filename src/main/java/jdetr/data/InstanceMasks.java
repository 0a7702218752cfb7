package jdetr.data;

import java.util.Arrays;
import java.util.List;
import jdetr.mask.Rle;

/**
 * The instance masks of one image, the reference's {@code target["masks"]}: {@code [N, H, W]}
 * uint8, 1 inside the object, 0 outside, row-major, one plane per object in the order of the
 * target's objects. The operations are those the reference's transforms apply to it
 * ({@code datasets/transforms.py}); each returns a new value.
 *
 * @param count number of objects N
 * @param height mask height H (the image's)
 * @param width mask width W
 * @param pixels [N, H, W] row-major, each 0 or 1
 */
public record InstanceMasks(int count, int height, int width, byte[] pixels) {

  public InstanceMasks {
    if (count < 0 || height < 0 || width < 0
        || (long) count * height * width != pixels.length) {
      throw new IllegalArgumentException(pixels.length + " mask values for [" + count + ", "
          + height + ", " + width + "]");
    }
  }

  /** No object on an image of {@code height x width}. */
  public static InstanceMasks empty(int height, int width) {
    return new InstanceMasks(0, height, width, new byte[0]);
  }

  /** The masks of {@code rles}, all of {@code height x width}, decoded in order. */
  public static InstanceMasks of(List<Rle> rles, int height, int width) {
    int plane = height * width;
    byte[] out = new byte[rles.size() * plane];
    for (int i = 0; i < rles.size(); i++) {
      Rle r = rles.get(i);
      if (r.height() != height || r.width() != width) {
        throw new IllegalArgumentException("mask " + i + " is " + r.height() + "x" + r.width()
            + ", the image " + height + "x" + width);
      }
      System.arraycopy(r.decode(), 0, out, i * plane, plane);
    }
    return new InstanceMasks(rles.size(), height, width, out);
  }

  /** Object {@code i} as COCO RLE. */
  public Rle rle(int i) {
    int plane = height * width;
    return Rle.encode(Arrays.copyOfRange(pixels, i * plane, (i + 1) * plane), height, width);
  }

  /** Pixels set in mask {@code i}. */
  public long area(int i) {
    int plane = height * width;
    long a = 0;
    for (int p = i * plane; p < (i + 1) * plane; p++) a += pixels[p];
    return a;
  }

  /** {@code masks[keep]}: the objects whose flag is set, in order. */
  public InstanceMasks keep(boolean[] keep) {
    if (keep.length != count) {
      throw new IllegalArgumentException(keep.length + " flags for " + count + " masks");
    }
    int plane = height * width, n = 0;
    byte[] out = new byte[count * plane];
    for (int i = 0; i < count; i++) {
      if (keep[i]) System.arraycopy(pixels, i * plane, out, n++ * plane, plane);
    }
    return new InstanceMasks(n, height, width, Arrays.copyOf(out, n * plane));
  }

  /** {@code masks.flip(-1)}: mirrored left to right. */
  public InstanceMasks flip() {
    byte[] out = new byte[pixels.length];
    for (int row = 0; row < count * height; row++) {
      int base = row * width;
      for (int x = 0; x < width; x++) out[base + x] = pixels[base + width - 1 - x];
    }
    return new InstanceMasks(count, height, width, out);
  }

  /**
   * {@code masks[:, top:top + h, left:left + w]}: Python slicing, so a region reaching past the
   * mask is cut at its edge.
   */
  public InstanceMasks crop(int top, int left, int h, int w) {
    int y0 = Math.min(Math.max(top, 0), height), y1 = Math.min(Math.max(top + h, y0), height);
    int x0 = Math.min(Math.max(left, 0), width), x1 = Math.min(Math.max(left + w, x0), width);
    int oh = y1 - y0, ow = x1 - x0;
    byte[] out = new byte[count * oh * ow];
    for (int i = 0; i < count; i++) {
      for (int y = 0; y < oh; y++) {
        System.arraycopy(pixels, (i * height + y0 + y) * width + x0, out, (i * oh + y) * ow, ow);
      }
    }
    return new InstanceMasks(count, oh, ow, out);
  }

  /**
   * {@code interpolate(masks[:, None].float(), (h, w), mode="nearest")[:, 0] > 0.5}: torch's
   * nearest rule, source index {@code min(floor(dst * (float) in / out), in - 1)} per axis in
   * float32 ({@link #nearestIndex}).
   */
  public InstanceMasks resize(int h, int w) {
    int[] rows = nearestIndex(height, h), cols = nearestIndex(width, w);
    byte[] out = new byte[count * h * w];
    for (int i = 0; i < count; i++) {
      for (int y = 0; y < h; y++) {
        int src = (i * height + rows[y]) * width, dst = (i * h + y) * w;
        for (int x = 0; x < w; x++) out[dst + x] = pixels[src + cols[x]];
      }
    }
    return new InstanceMasks(count, h, w, out);
  }

  /**
   * torch's {@code nearest_idx} for an output of {@code outSize} read from {@code inSize}
   * (interpolate given a size, no scale factor): the same index when the sizes agree, {@code
   * dst >> 1} when doubling, else {@code min(floor(dst * scale), in - 1)} with the float32 scale
   * {@code in / out}.
   */
  public static int[] nearestIndex(int inSize, int outSize) {
    int[] index = new int[outSize];
    float scale = (float) inSize / outSize;
    for (int d = 0; d < outSize; d++) {
      if (outSize == inSize) index[d] = d;
      else if (outSize == 2 * inSize) index[d] = d >> 1;
      else index[d] = Math.min((int) Math.floor(d * scale), inSize - 1);
    }
    return index;
  }

  /** {@code F.pad(masks, (0, w - W, 0, h - H))}: zeros at the bottom and right, to {@code h x w}. */
  public InstanceMasks pad(int h, int w) {
    if (h < height || w < width) {
      throw new IllegalArgumentException("cannot pad " + height + "x" + width + " masks to "
          + h + "x" + w);
    }
    if (h == height && w == width) return this;
    byte[] out = new byte[count * h * w];
    for (int i = 0; i < count; i++) {
      for (int y = 0; y < height; y++) {
        System.arraycopy(pixels, (i * height + y) * width, out, (i * h + y) * w, width);
      }
    }
    return new InstanceMasks(count, h, w, out);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InstanceMasks m && m.count == count && m.height == height
        && m.width == width && Arrays.equals(m.pixels, pixels);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(pixels) * 31 + count * 17 + height * 7 + width;
  }

  @Override
  public String toString() {
    return "InstanceMasks[" + count + ", " + height + ", " + width + "]";
  }
}

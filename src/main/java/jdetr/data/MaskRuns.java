package jdetr.data;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import jdetr.mask.Rle;

/**
 * Instance masks on the wire: per object its COCO RLE (column-major runs, {@link Rle}), written as
 * LEB128 varints, the number of counts first. A mask of a few objects on a 800 x 1200 image takes
 * a few hundred bytes instead of the megabyte of its pixels.
 */
final class MaskRuns {
  private MaskRuns() {}

  static byte[] encode(InstanceMasks masks) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < masks.count(); i++) {
      Rle r = masks.rle(i);
      varint(out, r.numCounts());
      for (int j = 0; j < r.numCounts(); j++) varint(out, r.count(j));
    }
    return out.toByteArray();
  }

  /** Reads {@code n} masks of {@code height x width}; each must cover exactly its pixels. */
  static InstanceMasks decode(ByteBuffer in, int n, int height, int width) {
    if (height < 0 || width < 0 || (long) height * width > Integer.MAX_VALUE / Math.max(1, n)) {
      throw new IllegalArgumentException(n + " masks of " + height + "x" + width);
    }
    List<Rle> rles = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int m = varint(in);
      if (m > in.remaining() || m > height * width + 1) {
        throw new IllegalArgumentException("mask " + i + ": " + m + " counts");
      }
      int[] counts = new int[m];
      for (int j = 0; j < m; j++) counts[j] = varint(in);
      rles.add(Rle.of(height, width, counts));
    }
    return InstanceMasks.of(rles, height, width);
  }

  private static void varint(ByteArrayOutputStream out, int v) {
    while ((v & ~0x7F) != 0) {
      out.write((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out.write(v);
  }

  private static int varint(ByteBuffer in) {
    int v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      byte b = in.get();
      v |= (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        if (v < 0) throw new IllegalArgumentException("count out of range");
        return v;
      }
    }
    throw new IllegalArgumentException("varint longer than 5 bytes");
  }
}

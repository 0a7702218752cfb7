package jdetr.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The binary message of a {@link Batch}, little-endian: a header (magic, version, flags, B, H, W),
 * per image its unpadded size and target (image id, sizes, labels, boxes, areas, crowd flags and,
 * when the {@link #MASKS} flag is set, each object's mask as COCO RLE counts in LEB128 varints:
 * the number of counts, then the counts), then per image and channel the unpadded rows of float32
 * pixels. Padding is not sent: it is zeros, and the mask follows from the sizes. Decoding gives
 * back an equal batch, float for float and mask pixel for mask pixel.
 */
public final class BatchCodec {
  /** "JDB1" read as a little-endian int. */
  public static final int MAGIC = 0x3142444A;
  public static final short VERSION = 1;
  /** Flag: every target carries instance masks. */
  public static final short MASKS = 1;
  /** Largest padded batch a message may declare: 2^28 floats (1 GiB). */
  public static final long MAX_PADDED_FLOATS = 1L << 28;
  /** Most mask pixels a message may declare over all its objects: 2^30 (1 GiB). */
  public static final long MAX_MASK_PIXELS = 1L << 30;

  private BatchCodec() {}

  public static byte[] encode(Batch batch) {
    boolean masks = masks(batch);
    List<byte[]> rles = new ArrayList<>(batch.size());
    for (Target t : batch.targets()) rles.add(masks ? MaskRuns.encode(t.masks()) : new byte[0]);
    ByteBuffer out = ByteBuffer.allocate(encodedSize(batch, rles))
        .order(ByteOrder.LITTLE_ENDIAN);
    out.putInt(MAGIC).putShort(VERSION).putShort(masks ? MASKS : 0);
    out.putInt(batch.size()).putInt(batch.height()).putInt(batch.width());
    for (int i = 0; i < batch.size(); i++) {
      int h = batch.imageHeights()[i], w = batch.imageWidths()[i];
      requireZeroPadding(batch, i, h, w);
      out.putInt(h).putInt(w);
      Target t = batch.targets().get(i);
      out.putLong(t.imageId()).putInt(t.size());
      out.putInt(t.origHeight()).putInt(t.origWidth()).putInt(t.height()).putInt(t.width());
      for (int label : t.labels()) out.putInt(label);
      out.asFloatBuffer().put(t.boxes()).put(t.area());
      out.position(out.position() + 4 * (t.boxes().length + t.area().length));
      for (boolean c : t.iscrowd()) out.put((byte) (c ? 1 : 0));
      out.put(rles.get(i));
    }
    FloatBuffer floats = out.asFloatBuffer();
    int plane = batch.height() * batch.width();
    for (int i = 0; i < batch.size(); i++) {
      int h = batch.imageHeights()[i], w = batch.imageWidths()[i];
      for (int c = 0; c < 3; c++) {
        int base = (i * 3 + c) * plane;
        for (int y = 0; y < h; y++) floats.put(batch.pixels(), base + y * batch.width(), w);
      }
    }
    return out.array();
  }

  public static Batch decode(byte[] message) {
    ByteBuffer in = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
    try {
      return decode(in);
    } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
      throw new IllegalArgumentException("malformed batch message of " + message.length
          + " bytes: " + e.getMessage(), e);
    }
  }

  private static Batch decode(ByteBuffer in) {
    if (in.getInt() != MAGIC) throw new IllegalArgumentException("not a batch (bad magic)");
    short version = in.getShort();
    short flags = in.getShort();
    if (version != VERSION) throw new IllegalArgumentException("batch version " + version);
    if ((flags & ~MASKS) != 0) throw new IllegalArgumentException("unknown flags " + flags);
    int b = in.getInt(), height = in.getInt(), width = in.getInt();
    long plane = (long) height * width;
    if (b <= 0 || height <= 0 || width <= 0 || b > in.remaining() / 36
        || 3L * b * plane > MAX_PADDED_FLOATS) {
      throw new IllegalArgumentException(
          "header " + b + " x 3 x " + height + " x " + width + " exceeds the limits");
    }
    int[] heights = new int[b], widths = new int[b];
    List<Target> targets = new ArrayList<>(b);
    long maskPixels = 0;
    for (int i = 0; i < b; i++) {
      heights[i] = in.getInt();
      widths[i] = in.getInt();
      if (heights[i] <= 0 || heights[i] > height || widths[i] <= 0 || widths[i] > width) {
        throw new IllegalArgumentException("image " + i + " is " + heights[i] + "x" + widths[i]);
      }
      long imageId = in.getLong();
      int n = in.getInt();
      if (n < 0 || n > in.remaining() / 25) throw new IllegalArgumentException(n + " objects");
      int origH = in.getInt(), origW = in.getInt(), th = in.getInt(), tw = in.getInt();
      int[] labels = new int[n];
      in.asIntBuffer().get(labels);
      in.position(in.position() + 4 * n);
      float[] boxes = new float[4 * n], area = new float[n];
      in.asFloatBuffer().get(boxes).get(area);
      in.position(in.position() + 20 * n);
      boolean[] crowd = new boolean[n];
      for (int k = 0; k < n; k++) crowd[k] = in.get() != 0;
      InstanceMasks masks = null;
      if ((flags & MASKS) != 0) {
        maskPixels += (long) n * heights[i] * widths[i];
        if (th != heights[i] || tw != widths[i] || maskPixels > MAX_MASK_PIXELS) {
          throw new IllegalArgumentException("image " + i + ": masks of " + th + "x" + tw
              + " on a " + heights[i] + "x" + widths[i] + " image, " + maskPixels
              + " mask pixels so far");
        }
        masks = MaskRuns.decode(in, n, th, tw);
      }
      targets.add(new Target(imageId, labels, boxes, area, crowd, origH, origW, th, tw, masks));
    }
    long sent = 0;
    int maxHeight = 0, maxWidth = 0;
    for (int i = 0; i < b; i++) {
      sent += 3L * heights[i] * widths[i];
      maxHeight = Math.max(maxHeight, heights[i]);
      maxWidth = Math.max(maxWidth, widths[i]);
    }
    if (maxHeight != height || maxWidth != width) {
      throw new IllegalArgumentException("padded size " + height + "x" + width
          + " is not the largest image size " + maxHeight + "x" + maxWidth);
    }
    if (4 * sent != in.remaining()) {
      throw new IllegalArgumentException("images need " + 4 * sent + " pixel bytes, message has "
          + in.remaining());
    }
    float[] pixels = new float[(int) (3 * b * plane)];
    boolean[] mask = new boolean[(int) (b * plane)];
    Arrays.fill(mask, true);
    FloatBuffer floats = in.asFloatBuffer();
    for (int i = 0; i < b; i++) {
      for (int c = 0; c < 3; c++) {
        int base = (int) ((i * 3 + c) * plane);
        for (int y = 0; y < heights[i]; y++) floats.get(pixels, base + y * width, widths[i]);
      }
      for (int y = 0; y < heights[i]; y++) {
        int row = (int) (i * plane) + y * width;
        Arrays.fill(mask, row, row + widths[i], false);
      }
    }
    return new Batch(b, height, width, heights, widths, pixels, mask, targets);
  }

  /** Whether the targets carry masks: all of them, or none. */
  private static boolean masks(Batch batch) {
    long with = batch.targets().stream().filter(t -> t.masks() != null).count();
    if (with != 0 && with != batch.size()) {
      throw new IllegalArgumentException(with + " of " + batch.size()
          + " targets carry masks: all or none must");
    }
    return with > 0;
  }

  private static int encodedSize(Batch batch, List<byte[]> rles) {
    long n = 20;
    for (int i = 0; i < batch.size(); i++) {
      Target t = batch.targets().get(i);
      n += 8 + 8 + 4 + 16 + 25L * t.size() + rles.get(i).length;
      n += 12L * batch.imageHeights()[i] * batch.imageWidths()[i];
    }
    if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("batch too large: " + n + " bytes");
    return (int) n;
  }

  /** The format leaves padding out, so it must be what Collate puts there: zeros and mask true. */
  private static void requireZeroPadding(Batch batch, int i, int h, int w) {
    int H = batch.height(), W = batch.width();
    for (int y = 0; y < H; y++) {
      for (int x = y < h ? w : 0; x < W; x++) {
        if (!batch.padded(i, y, x)) {
          throw new IllegalArgumentException("image " + i + ": mask false in padding at " + y + "," + x);
        }
        for (int c = 0; c < 3; c++) {
          if (Float.floatToRawIntBits(batch.at(i, c, y, x)) != 0) {
            throw new IllegalArgumentException("image " + i + ": non-zero padding at " + y + "," + x);
          }
        }
      }
      for (int x = 0; y < h && x < w; x++) {
        if (batch.padded(i, y, x)) {
          throw new IllegalArgumentException("image " + i + ": mask true inside the image at " + y + "," + x);
        }
      }
    }
  }
}

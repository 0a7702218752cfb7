package jdetr.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes JPEG and PNG images (files, uploads, streamed frames) to {@link RgbImage} (what
 * {@code PIL.Image.open(f).convert('RGB')} gives). Hostile input is refused from its header before
 * any pixel is decoded: not a JPEG or PNG, cut short (no end marker), declaring more pixels than
 * the {@link ImageLimits} allow (a decompression bomb costs nothing), or a file over the size limit.
 * Thread-safe: each call takes an ImageIO reader from a pool of idle ones and gives it back.
 */
public final class ImageDecoder {
  static {
    ImageIO.setUseCache(false); // never spill images to temporary files
  }

  private final ImageLimits limits;
  private final Queue<ImageReader> idleJpeg = new ConcurrentLinkedQueue<>();
  private final Queue<ImageReader> idlePng = new ConcurrentLinkedQueue<>();

  public ImageDecoder(ImageLimits limits) {
    this.limits = limits;
  }

  public RgbImage decode(Path file) throws IOException {
    String name = file.toString();
    byte[] bytes;
    try {
      limits.checkFileSize(name, Files.size(file));
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new ImageRejectedException(name, "missing");
    }
    return decode(name, bytes);
  }

  /** Decodes an image held in memory; {@code name} is used in error messages. */
  public RgbImage decode(String name, byte[] bytes) throws ImageRejectedException {
    return decode(name, bytes, 0, bytes.length);
  }

  /** Decodes a frame: {@code length} bytes at {@code offset}, an image without a name. */
  public RgbImage decode(byte[] data, int offset, int length) throws ImageRejectedException {
    return decode(null, data, offset, length);
  }

  private RgbImage decode(String name, byte[] data, int offset, int length)
      throws ImageRejectedException {
    limits.checkFileSize(name, length);
    ImageHeader header = ImageHeader.parse(name, data, offset, length);
    limits.check(name, header);
    Queue<ImageReader> idle = header.format() == ImageHeader.Format.JPEG ? idleJpeg : idlePng;
    ImageReader reader = idle.poll();
    if (reader == null) reader = pick(name, header.format());
    BufferedImage image;
    try (ImageInputStream in =
        new MemoryCacheImageInputStream(new ByteArrayInputStream(data, offset, length))) {
      reader.setInput(in, true, true);
      image = reader.read(0);
    } catch (IOException | RuntimeException e) {
      throw new ImageRejectedException(name, "corrupt(" + e.getMessage() + ")");
    } finally {
      reader.setInput(null);
      idle.offer(reader);
    }
    if (image.getWidth() != header.width() || image.getHeight() != header.height()) {
      throw new ImageRejectedException(name, "corrupt(decoded " + image.getWidth() + "x"
          + image.getHeight() + ", header says " + header.width() + "x" + header.height() + ")");
    }
    return toRgb(image);
  }

  /**
   * The JDK's own reader first (libjpeg/zlib in native code, the fastest here); the TwelveMonkeys
   * JPEG plugin remains registered for what the JDK cannot read.
   */
  private static ImageReader pick(String name, ImageHeader.Format format)
      throws ImageRejectedException {
    String formatName = format == ImageHeader.Format.JPEG ? "jpeg" : "png";
    ImageReader fallback = null;
    for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(formatName);
        it.hasNext(); ) {
      ImageReader r = it.next();
      if (r.getClass().getName().startsWith("com.sun.imageio.")) return r;
      if (fallback == null) fallback = r;
    }
    if (fallback == null) {
      throw new ImageRejectedException(name, "unreadable(no " + formatName + " decoder installed)");
    }
    return fallback;
  }

  /**
   * Copies the pixels of a decoded image to interleaved RGB, straight from the raster's bytes when
   * possible (raw samples, as PIL keeps them).
   */
  public static RgbImage toRgb(BufferedImage image) {
    int w = image.getWidth(), h = image.getHeight();
    byte[] rgb = new byte[3 * w * h];
    Raster raster = image.getRaster();
    int colorSpace = image.getColorModel().getColorSpace().getType();
    if (raster.getDataBuffer() instanceof DataBufferByte buffer
        && raster.getSampleModel() instanceof ComponentSampleModel sm
        && image.getColorModel() instanceof ComponentColorModel
        && (colorSpace == ColorSpace.TYPE_RGB || colorSpace == ColorSpace.TYPE_GRAY)) {
      // raw decoded samples, as PIL keeps them (no ICC or gamma conversion)
      byte[] data = buffer.getData();
      int bands = sm.getNumBands();
      int[] offsets = sm.getBandOffsets();
      int[] banks = sm.getBankIndices();
      int pixelStride = sm.getPixelStride(), lineStride = sm.getScanlineStride();
      int base = -raster.getSampleModelTranslateY() * lineStride
          - raster.getSampleModelTranslateX() * pixelStride;
      boolean oneBank = true;
      for (int bank : banks) oneBank &= bank == 0;
      if (oneBank && bands == 1) {
        for (int y = 0, o = 0; y < h; y++) {
          int p = base + y * lineStride + offsets[0];
          for (int x = 0; x < w; x++, p += pixelStride) {
            byte v = data[p];
            rgb[o++] = v;
            rgb[o++] = v;
            rgb[o++] = v;
          }
        }
        return new RgbImage(w, h, rgb);
      }
      if (oneBank && bands == 3 && pixelStride == 3 && lineStride == 3 * w && base == 0
          && offsets[0] == 2 && offsets[1] == 1 && offsets[2] == 0 && data.length >= 3 * w * h) {
        for (int p = 0, end = 3 * w * h; p < end; p += 3) { // what the JPEG reader gives: BGR
          byte b = data[p];
          rgb[p] = data[p + 2];
          rgb[p + 1] = data[p + 1];
          rgb[p + 2] = b;
        }
        return new RgbImage(w, h, rgb);
      }
      if (oneBank && bands >= 3) {
        int r0 = offsets[0], g0 = offsets[1], b0 = offsets[2];
        for (int y = 0, o = 0; y < h; y++) {
          int p = base + y * lineStride;
          for (int x = 0; x < w; x++, p += pixelStride) {
            rgb[o++] = data[p + r0];
            rgb[o++] = data[p + g0];
            rgb[o++] = data[p + b0];
          }
        }
        return new RgbImage(w, h, rgb);
      }
    }
    int[] row = new int[w];
    for (int y = 0, o = 0; y < h; y++) {
      image.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        int argb = row[x];
        rgb[o++] = (byte) (argb >> 16);
        rgb[o++] = (byte) (argb >> 8);
        rgb[o++] = (byte) argb;
      }
    }
    return new RgbImage(w, h, rgb);
  }
}

package jdetr.serve;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import jdetr.data.ImageDecoder;
import jdetr.data.RgbImage;

/**
 * Turns the bytes of a frame into an RGB image, refusing anything that is not a complete JPEG or PNG
 * of at most {@code maxPixels} pixels. The pixel count is read from the image header before any
 * pixel is decoded, so a small file declaring huge dimensions (a decompression bomb) costs nothing.
 * The pixels are the decoder's raw samples (as PIL gives them), copied once into interleaved RGB.
 * Thread-safe: every call uses its own image reader.
 */
public final class FrameDecoder {

  private static final byte[] JPEG_MAGIC = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};
  private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  private static final byte[] JPEG_END = {(byte) 0xFF, (byte) 0xD9};
  /** The IEND chunk: zero length, type, CRC. */
  private static final byte[] PNG_END = {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xAE, 0x42, 0x60, (byte) 0x82};

  static {
    ImageIO.setUseCache(false); // never spill frames to temporary files
  }

  private final long maxPixels;

  public FrameDecoder(long maxPixels) {
    this.maxPixels = maxPixels;
  }

  /**
   * Decodes {@code length} bytes at {@code offset}.
   *
   * @return the image as interleaved 8-bit RGB
   * @throws ImageRejectedException with the reason: not_an_image, too_many_pixels, truncated, unreadable
   */
  public RgbImage decode(byte[] data, int offset, int length) throws ImageRejectedException {
    String format = formatOf(data, offset, length);
    ImageReader reader = readerFor(format);
    List<String> warnings = new ArrayList<>();
    try (ImageInputStream in =
        new MemoryCacheImageInputStream(new ByteArrayInputStream(data, offset, length))) {
      reader.setInput(in, true, true);
      reader.addIIOReadWarningListener(new WarningCollector(warnings));
      long width = reader.getWidth(0);
      long height = reader.getHeight(0);
      if (width <= 0 || height <= 0 || width * height > maxPixels) {
        throw new ImageRejectedException(
            "too_many_pixels(" + width + "x" + height + "): the limit is " + maxPixels + " pixels");
      }
      BufferedImage image = reader.read(0);
      if (!warnings.isEmpty()) {
        throw new ImageRejectedException(damaged(format, data, offset, length, warnings.get(0)));
      }
      return ImageDecoder.toRgb(image);
    } catch (ImageRejectedException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new ImageRejectedException(damaged(format, data, offset, length, String.valueOf(e.getMessage())));
    } finally {
      reader.dispose();
    }
  }

  private static String formatOf(byte[] data, int offset, int length) throws ImageRejectedException {
    if (startsWith(data, offset, length, JPEG_MAGIC)) {
      return "jpeg";
    }
    if (startsWith(data, offset, length, PNG_MAGIC)) {
      return "png";
    }
    StringBuilder first = new StringBuilder();
    for (int i = 0; i < Math.min(4, length); i++) {
      first.append(String.format("%02x", data[offset + i] & 0xFF));
    }
    throw new ImageRejectedException(
        "not_an_image: " + length + " bytes starting with '" + first + "' are neither JPEG nor PNG");
  }

  /**
   * A new reader for the format: the JDK's own first (libjpeg and zlib in native code, the fastest
   * here, and the one the training data decoder uses), else any other registered one.
   */
  private static ImageReader readerFor(String format) throws ImageRejectedException {
    ImageReader other = null;
    for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(format); it.hasNext(); ) {
      ImageReader r = it.next();
      if (r.getClass().getName().startsWith("com.sun.imageio.")) {
        if (other != null) {
          other.dispose();
        }
        return r;
      }
      if (other == null) {
        other = r;
      } else {
        r.dispose();
      }
    }
    if (other == null) {
      throw new ImageRejectedException("unreadable: no " + format + " decoder installed");
    }
    return other;
  }

  private static boolean startsWith(byte[] data, int offset, int length, byte[] magic) {
    if (length < magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if (data[offset + i] != magic[i]) {
        return false;
      }
    }
    return true;
  }

  /** The reason for an image the decoder could not read cleanly: truncated if its end marker is missing. */
  private static String damaged(String format, byte[] data, int offset, int length, String detail) {
    byte[] end = format.equals("jpeg") ? JPEG_END : PNG_END;
    boolean complete = length >= end.length
        && Arrays.equals(data, offset + length - end.length, offset + length, end, 0, end.length);
    return (complete ? "unreadable: " : "truncated: ") + format + " data of " + length + " bytes"
        + (complete ? "" : " has no end marker") + " (decoder: " + detail + ")";
  }

  private record WarningCollector(List<String> warnings) implements IIOReadWarningListener {
    @Override
    public void warningOccurred(ImageReader source, String warning) {
      warnings.add(warning);
    }
  }
}

package jdetr.data;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * A COCO panoptic segmentation PNG: every pixel holds the id of its segment, coloured
 * {@code id = R + 256·G + 256²·B} (panopticapi's {@code rgb2id}; 0 is VOID).
 *
 * @param width image width
 * @param height image height
 * @param ids [height * width] row-major segment ids
 */
public record PanopticPng(int width, int height, int[] ids) {
  /** The largest id three 8-bit channels encode. */
  public static final int MAX_ID = (1 << 24) - 1;

  public PanopticPng {
    if (ids.length != (long) width * height) {
      throw new IllegalArgumentException(
          ids.length + " ids for a " + width + "x" + height + " segmentation");
    }
  }

  /** Reads a PNG (8-bit RGB or RGBA; the alpha channel is ignored, as rgb2id ignores it). */
  public static PanopticPng read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return decode(in, file.toString());
    } catch (NoSuchFileException e) {
      throw new FileNotFoundException("panoptic segmentation PNG not found: " + file);
    }
  }

  /** Decodes PNG bytes; {@code source} names them in errors. */
  public static PanopticPng decode(byte[] png, String source) throws IOException {
    return decode(new ByteArrayInputStream(png), source);
  }

  private static PanopticPng decode(InputStream in, String source) throws IOException {
    BufferedImage image;
    try {
      image = ImageIO.read(in);
    } catch (IOException | RuntimeException e) {
      throw new CocoFormatException(source + ": not a readable PNG: " + e.getMessage(), e);
    }
    if (image == null) {
      throw new CocoFormatException(source + ": not a PNG image");
    }
    Raster r = image.getRaster();
    int[] bits = image.getColorModel().getComponentSize();
    if (image.getColorModel() instanceof IndexColorModel || r.getNumBands() < 3) {
      throw new CocoFormatException(source + ": a panoptic segmentation must be an RGB PNG"
          + " (segment id = R + 256*G + 256^2*B), this one has " + r.getNumBands()
          + (image.getColorModel() instanceof IndexColorModel ? " palette band" : " band(s)"));
    }
    for (int b = 0; b < 3; b++) {
      if (bits[b] != 8) {
        throw new CocoFormatException(source + ": a panoptic segmentation must have 8 bits per"
            + " channel, this one has " + bits[b]);
      }
    }
    int w = image.getWidth(), h = image.getHeight();
    int step = image.getType() == BufferedImage.TYPE_3BYTE_BGR ? 3
        : image.getType() == BufferedImage.TYPE_4BYTE_ABGR ? 4 : 0;
    if (step > 0 && r.getDataBuffer() instanceof DataBufferByte buffer
        && buffer.getNumBanks() == 1 && buffer.getSize() == w * h * step
        && r.getSampleModelTranslateX() == 0 && r.getSampleModelTranslateY() == 0) {
      // what ImageIO decodes 8-bit RGB and RGBA PNGs to: (A)BGR bytes per pixel, row after row
      byte[] bytes = buffer.getData();
      int b = step - 3;
      int[] ids = new int[w * h];
      for (int i = 0, o = 0; i < ids.length; i++, o += step) {
        ids[i] = (bytes[o + b + 2] & 0xff) | (bytes[o + b + 1] & 0xff) << 8
            | (bytes[o + b] & 0xff) << 16;
      }
      return new PanopticPng(w, h, ids);
    }
    int[] red = r.getSamples(0, 0, w, h, 0, (int[]) null);
    int[] green = r.getSamples(0, 0, w, h, 1, (int[]) null);
    int[] blue = r.getSamples(0, 0, w, h, 2, (int[]) null);
    int[] ids = new int[w * h];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = red[i] + (green[i] << 8) + (blue[i] << 16);
    }
    return new PanopticPng(w, h, ids);
  }

  /** The id of pixel (x, y). */
  public int id(int x, int y) {
    return ids[y * width + x];
  }

  /** The ids as an 8-bit RGB PNG (panopticapi's id2rgb). */
  public byte[] encode() {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    WritableRaster r = image.getRaster();
    int[] rgb = new int[3];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int id = ids[y * width + x];
        if (id < 0 || id > MAX_ID) {
          throw new IllegalArgumentException("segment id " + id + " at (" + x + ", " + y
              + ") is outside 0.." + MAX_ID + " (three 8-bit channels)");
        }
        rgb[0] = id & 0xff;
        rgb[1] = (id >> 8) & 0xff;
        rgb[2] = (id >> 16) & 0xff;
        r.setPixel(x, y, rgb);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, "png", out)) {
        throw new IllegalStateException("no PNG writer in this JVM");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}

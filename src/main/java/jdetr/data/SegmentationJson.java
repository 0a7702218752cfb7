package jdetr.data;

import static jdetr.data.CocoFormatException.describe;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jdetr.mask.Rle;
import jdetr.mask.RleString;
import jdetr.mask.Segmentation;

/**
 * Reads a COCO {@code segmentation} value from a streaming JSON parser, so that any COCO reader
 * can use it, and validates it: polygons of at least 3 points with an even number of finite
 * coordinates; RLE with a {@code size [h, w]} and {@code counts} (a list of non-negative integers
 * or a compressed string) that add up to {@code h * w}.
 */
public final class SegmentationJson {
  private SegmentationJson() {}

  /**
   * Reads the value at the parser's current token (the token after the field name) and leaves the
   * parser on its last token.
   *
   * @param where the entry, with file and id, for error messages ("f.json: annotations[3] (id 7)")
   * @throws SegmentationFormatException naming {@code where}, the field and the problem
   */
  public static Segmentation read(JsonParser p, String where) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_ARRAY) {
      return polygons(p, where);
    }
    if (t == JsonToken.START_OBJECT) {
      return rle(p, where);
    }
    throw error(p, where, "segmentation", "must be a list of polygons or an RLE object, got "
        + describe(p));
  }

  private static Segmentation polygons(JsonParser p, String where) throws IOException {
    List<double[]> polygons = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      String field = "segmentation[" + polygons.size() + "]";
      if (p.currentToken() != JsonToken.START_ARRAY) {
        throw error(p, where, field, "must be a polygon [x0, y0, x1, y1, ...], got " + describe(p));
      }
      double[] xy = new double[16];
      int n = 0;
      while (p.nextToken() != JsonToken.END_ARRAY) {
        double v = number(p, where, field + "[" + n + "]");
        if (n == xy.length) {
          xy = Arrays.copyOf(xy, 2 * n);
        }
        xy[n++] = v;
      }
      if (n % 2 != 0) {
        throw error(p, where, field, "has an odd number of coordinates (" + n + ")");
      }
      if (n < 6) {
        throw error(p, where, field, "has " + n / 2 + " points; a polygon needs at least 3");
      }
      polygons.add(Arrays.copyOf(xy, n));
    }
    if (polygons.isEmpty()) {
      throw error(p, where, "segmentation", "is an empty list of polygons");
    }
    return new Segmentation.Polygons(polygons);
  }

  private static Segmentation rle(JsonParser p, String where) throws IOException {
    int[] size = null;
    int[] counts = null;
    String compressed = null;
    boolean hasCounts = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      switch (name) {
        case "size" -> size = size(p, where);
        case "counts" -> {
          hasCounts = true;
          if (p.currentToken() == JsonToken.VALUE_STRING) {
            compressed = p.getText();
          } else if (p.currentToken() == JsonToken.START_ARRAY) {
            counts = counts(p, where);
          } else {
            throw error(p, where, "segmentation.counts",
                "must be a list of run lengths or a compressed string, got " + describe(p));
          }
        }
        default -> p.skipChildren();
      }
    }
    if (size == null) {
      throw error(p, where, "segmentation.size", "is missing (an RLE needs size [h, w])");
    }
    if (!hasCounts) {
      throw error(p, where, "segmentation.counts", "is missing");
    }
    try {
      return compressed != null
          ? new Segmentation.CompressedRle(RleString.decode(compressed, size[0], size[1]))
          : new Segmentation.UncompressedRle(Rle.of(size[0], size[1], counts));
    } catch (IllegalArgumentException e) {
      throw error(p, where, "segmentation.counts", "is invalid: " + e.getMessage());
    }
  }

  private static int[] size(JsonParser p, String where) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw error(p, where, "segmentation.size", "must be [h, w], got " + describe(p));
    }
    int[] size = new int[2];
    int n = 0;
    while (p.nextToken() != JsonToken.END_ARRAY) {
      long v = integer(p, where, "segmentation.size[" + n + "]");
      if (n < 2) {
        size[n] = (int) Math.min(v, Integer.MAX_VALUE);
      }
      n++;
    }
    if (n != 2) {
      throw error(p, where, "segmentation.size", "has " + n + " numbers, expected [h, w]");
    }
    if ((long) size[0] * size[1] > Integer.MAX_VALUE) {
      throw error(p, where, "segmentation.size", "[" + size[0] + ", " + size[1]
          + "] is too large");
    }
    return size;
  }

  private static int[] counts(JsonParser p, String where) throws IOException {
    int[] counts = new int[64];
    int n = 0;
    while (p.nextToken() != JsonToken.END_ARRAY) {
      long v = integer(p, where, "segmentation.counts[" + n + "]");
      if (v > Integer.MAX_VALUE) {
        throw error(p, where, "segmentation.counts[" + n + "]", "is too large: " + v);
      }
      if (n == counts.length) {
        counts = Arrays.copyOf(counts, 2 * n);
      }
      counts[n++] = (int) v;
    }
    return Arrays.copyOf(counts, n);
  }

  private static double number(JsonParser p, String where, String field) throws IOException {
    JsonToken t = p.currentToken();
    if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
      throw error(p, where, field, "must be a number, got " + describe(p));
    }
    double v = p.getDoubleValue();
    if (!Double.isFinite(v)) {
      throw error(p, where, field, "is not a finite number: " + p.getText());
    }
    return v;
  }

  /** A non-negative integer; an integral float such as 42.0 is accepted. */
  private static long integer(JsonParser p, String where, String field) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
        && p.getLongValue() >= 0) {
      return p.getLongValue();
    }
    if (t == JsonToken.VALUE_NUMBER_FLOAT) {
      double v = p.getDoubleValue();
      if (v == Math.rint(v) && v >= 0 && v < 0x1p53) {
        return (long) v;
      }
    }
    throw error(p, where, field, "must be a non-negative integer, got " + describe(p));
  }

  private static SegmentationFormatException error(JsonParser p, String where, String field,
      String problem) {
    return new SegmentationFormatException(field, where + ": field '" + field + "' " + problem
        + " (line " + p.currentLocation().getLineNr() + ")");
  }
}

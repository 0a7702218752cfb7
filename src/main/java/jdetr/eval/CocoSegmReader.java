package jdetr.eval;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdetr.data.CocoFormatException;
import jdetr.data.SegmentationJson;
import jdetr.io.JsonLimits;
import jdetr.mask.Rle;
import jdetr.mask.Segmentation;

/**
 * Reads what mask evaluation needs from a COCO annotation file (image sizes and each object's
 * {@code segmentation}, turned into a mask as {@code COCO.annToRLE} does) and a results file
 * ({@code [{image_id, category_id, segmentation, score}]}, as pycocotools' {@code loadRes} reads
 * it: when the first result has a {@code bbox}, results are ranged by their box areas and a result
 * without a segmentation is its box; otherwise by their mask areas, and a missing box is the
 * mask's box). Errors name the file, the entry, its id and the field.
 */
public final class CocoSegmReader {
  // NaN and Infinity are read (as Python's json does) and refused by name
  private static final JsonFactory JSON = JsonLimits.factoryBuilder()
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
      .build();

  private final Path file;
  private final JsonParser p;

  private CocoSegmReader(Path file, JsonParser p) {
    this.file = file;
    this.p = p;
  }

  /** Reads the ground-truth masks of {@code gtFile} and the results of {@code dtFile}. */
  public static SegmInput read(Path gtFile, Path dtFile) throws IOException {
    Map<Long, int[]> sizes = new HashMap<>();
    Map<Long, Rle> masks = parse(gtFile, r -> r.groundTruth(sizes));
    return parse(dtFile, r -> r.results(sizes, masks));
  }

  /**
   * The ground-truth masks of {@code gtFile} by annotation id (objects of images the file lists),
   * as {@code COCO.annToRLE} builds them.
   */
  public static Map<Long, Rle> groundTruthMasks(Path gtFile) throws IOException {
    return parse(gtFile, r -> r.groundTruth(new HashMap<>()));
  }

  private interface Body<T> {
    T read(CocoSegmReader r) throws IOException;
  }

  private static <T> T parse(Path file, Body<T> body) throws IOException {
    try (JsonParser p = JSON.createParser(file.toFile())) {
      try {
        return body.read(new CocoSegmReader(file, p));
      } catch (StreamConstraintsException e) {
        throw new CocoFormatException(file + ": " + JsonLimits.refusal(p, e), e);
      }
    } catch (JsonProcessingException e) {
      String at = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
      throw new CocoFormatException(
          file + ": malformed JSON" + at + ": " + e.getOriginalMessage(), e);
    } catch (CocoFormatException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** Fills {@code sizes} (image id to [height, width], -1 when not given) and returns the masks. */
  private Map<Long, Rle> groundTruth(Map<Long, int[]> sizes) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw error("top level", "expected a JSON object with images, categories and annotations");
    }
    Map<Long, Segmentation> segmentations = new LinkedHashMap<>(); // file order: first error first
    Map<Long, Long> imageOf = new HashMap<>();
    Map<Long, String> whereOf = new HashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      if (name.equals("images") && p.currentToken() == JsonToken.START_ARRAY) {
        for (int i = 0; p.nextToken() != JsonToken.END_ARRAY; i++) {
          Map<String, Object> f = fields("images[" + i + "]", "id", "height", "width");
          sizes.put((Long) f.get("id"), new int[] {size(f.get("height")), size(f.get("width"))});
        }
      } else if (name.equals("annotations") && p.currentToken() == JsonToken.START_ARRAY) {
        for (int i = 0; p.nextToken() != JsonToken.END_ARRAY; i++) {
          Map<String, Object> f =
              fields("annotations[" + i + "]", "id", "image_id", "segmentation");
          String where = (String) f.get("where");
          if (f.get("id") instanceof Long id && f.get("segmentation") instanceof Segmentation s) {
            segmentations.put(id, s);
            imageOf.put(id, (Long) f.get("image_id"));
            whereOf.put(id, where);
          }
        }
      } else {
        p.skipChildren();
      }
    }
    Map<Long, Rle> masks = new HashMap<>();
    for (Map.Entry<Long, Segmentation> e : segmentations.entrySet()) {
      int[] hw = sizes.get(imageOf.get(e.getKey()));
      if (hw != null) { // objects of unlisted images are not evaluated
        masks.put(e.getKey(), toRle(e.getValue(), hw, whereOf.get(e.getKey())));
      }
    }
    return masks;
  }

  private SegmInput results(Map<Long, int[]> sizes, Map<Long, Rle> gtMasks) throws IOException {
    if (p.nextToken() != JsonToken.START_ARRAY) {
      throw error("top level",
          "expected a JSON array of {image_id, category_id, segmentation, score}");
    }
    List<CocoResult> results = new ArrayList<>();
    List<Rle> masks = new ArrayList<>();
    List<Double> areas = new ArrayList<>();
    boolean boxes = false;
    for (int i = 0; p.nextToken() != JsonToken.END_ARRAY; i++) {
      Map<String, Object> f =
          fields("results[" + i + "]", "image_id", "category_id", "bbox", "score", "segmentation");
      String where = (String) f.get("where");
      double[] bbox = (double[]) f.get("bbox");
      if (i == 0) {
        boxes = bbox != null && bbox.length > 0; // loadRes: the first result decides
      }
      if (bbox != null && bbox.length != 4 && (boxes || bbox.length > 0)) {
        throw error(where, "field 'bbox' must be [x, y, w, h], got " + bbox.length + " numbers");
      }
      long imageId = (Long) required(f, "image_id", where);
      long categoryId = (Long) required(f, "category_id", where);
      double score = (Double) required(f, "score", where);
      int[] hw = sizes.get(imageId);
      if (hw == null) {
        throw error(where, "refers to image_id " + imageId
            + ", which is not among the ground-truth images");
      }
      Segmentation s = (Segmentation) f.get("segmentation");
      if (boxes && bbox == null) {
        throw error(where,
            "missing field 'bbox' (the first result has one, so every result needs it)");
      }
      if (s == null && !boxes) {
        throw error(where, "missing field 'segmentation'");
      }
      if (s == null) { // loadRes: the box as a polygon
        double x1 = bbox[0], x2 = bbox[0] + bbox[2], y1 = bbox[1], y2 = bbox[1] + bbox[3];
        s = new Segmentation.Polygons(List.of(new double[] {x1, y1, x1, y2, x2, y2, x2, y1}));
      }
      Rle mask = toRle(s, hw, where);
      if (bbox == null || bbox.length != 4) {
        bbox = mask.toBbox();
      }
      results.add(new CocoResult(imageId, categoryId, bbox[0], bbox[1], bbox[2], bbox[3], score));
      masks.add(mask);
      areas.add(boxes ? bbox[2] * bbox[3] : (double) mask.area());
    }
    return new SegmInput(gtMasks, results, masks,
        areas.stream().mapToDouble(Double::doubleValue).toArray());
  }

  private Rle toRle(Segmentation s, int[] hw, String where) throws CocoFormatException {
    try {
      return s.toRle(hw[0], hw[1]);
    } catch (IllegalArgumentException e) {
      throw new CocoFormatException(
          file + ": " + where + ": field 'segmentation': " + e.getMessage());
    }
  }

  /**
   * The wanted fields of the object at the current token (others skipped): ids as Long, numbers
   * as Double, bbox as double[], segmentation as {@link Segmentation}; "where" names the entry.
   */
  private Map<String, Object> fields(String entry, String... wanted) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw error(entry, "expected an object");
    }
    Map<String, Object> f = new HashMap<>();
    String key = wanted[0];
    f.put("where", entry);
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      String where = (String) f.get("where");
      if (!List.of(wanted).contains(name) || p.currentToken() == JsonToken.VALUE_NULL) {
        p.skipChildren();
        continue;
      }
      switch (name) {
        case "segmentation" -> f.put(name, SegmentationJson.read(p, file + ": " + where));
        case "bbox" -> f.put(name, numbers(where, name));
        case "score" -> f.put(name, number(where, name));
        default -> f.put(name, id(where, name));
      }
      if (name.equals(key)) {
        f.put("where", entry + " (" + key + " " + f.get(key) + ")");
      }
    }
    return f;
  }

  private Object required(Map<String, Object> f, String field, String where)
      throws CocoFormatException {
    Object v = f.get(field);
    if (v == null) {
      throw error(where, "missing field '" + field + "'");
    }
    return v;
  }

  private static int size(Object v) {
    return v == null ? -1 : (int) Math.min((Long) v, Integer.MAX_VALUE);
  }

  /** An integer id; an integral float such as 42.0 is accepted (Python treats 42.0 == 42). */
  private long id(String where, String field) throws IOException {
    double v = number(where, field);
    if (p.currentToken() == JsonToken.VALUE_NUMBER_INT
        && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
      return p.getLongValue();
    }
    if (v == Math.rint(v) && Math.abs(v) < 0x1p53) {
      return (long) v;
    }
    throw error(where, "field '" + field + "' must be an integer, got " + p.getText());
  }

  /** An array of finite numbers. */
  private double[] numbers(String where, String field) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw error(where, "field '" + field + "' must be an array of numbers, got " + p.getText());
    }
    List<Double> out = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      out.add(number(where, field + "[" + out.size() + "]"));
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private double number(String where, String field) throws IOException {
    JsonToken t = p.currentToken();
    if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
      throw error(where, "field '" + field + "' must be a number, got " + p.getText());
    }
    double v = p.getDoubleValue();
    if (!Double.isFinite(v)) {
      throw error(where, "field '" + field + "' is not a finite number: " + p.getText());
    }
    return v;
  }

  private CocoFormatException error(String where, String problem) {
    return new CocoFormatException(file + ": " + where + ": " + problem + " (line "
        + p.currentLocation().getLineNr() + ")");
  }
}

package jdetr.data;

import static jdetr.data.CocoFormatException.describe;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import jdetr.io.JsonLimits;

/**
 * Streams a COCO annotations file (instances_train2017.json is 450 MB) into compact tables,
 * skipping what training and evaluation do not use (segmentations, licenses, info). Missing or
 * malformed fields do not stop the read: they are flagged per entry for {@link DatasetValidation},
 * and the first malformed value of each field is described (with its line) for stricter readers
 * such as evaluation. Only a file that is not JSON, or whose sections are not arrays, is refused.
 * Most callers want {@link CocoAnnotationCache#load}, which parses a file once per process.
 */
public final class CocoAnnotationReader {
  // FastDoubleParser rounds correctly, as Double.parseDouble and Python's float() do
  private static final JsonFactory JSON = JsonLimits.factoryBuilder()
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
      .build();
  private static final long ABSENT = Long.MIN_VALUE;

  private final JsonParser p;
  private final Map<String, CocoAnnotationFile.Malformed> malformed = new HashMap<>();
  private String section;
  private int index;

  private CocoAnnotationReader(JsonParser p) {
    this.p = p;
  }

  /** Parses the file (every call reads it again). */
  public static CocoAnnotationFile read(Path file) throws IOException {
    return stream(file, p -> new CocoAnnotationReader(p).parse(file));
  }

  /** What a pass over a COCO annotations file makes of its parser. */
  interface Pass<T> {
    T over(JsonParser p) throws IOException;
  }

  /**
   * Runs {@code pass} over {@code file} with this reader's JSON settings; a missing file, JSON
   * beyond the limits and malformed JSON are refused with the file (and line, column) named.
   */
  static <T> T stream(Path file, Pass<T> pass) throws IOException {
    try (InputStream in = Files.newInputStream(file); JsonParser p = JSON.createParser(in)) {
      try {
        return pass.over(p);
      } catch (StreamConstraintsException e) {
        throw new CocoFormatException(file + ": " + JsonLimits.refusal(p, e), e);
      }
    } catch (NoSuchFileException e) {
      throw new FileNotFoundException("COCO annotations file not found: " + file);
    } catch (StreamReadException e) {
      JsonLocation at = e.getLocation();
      throw new CocoFormatException(file, at == null ? 0 : at.getLineNr(),
          at == null ? 0 : at.getColumnNr(), "malformed JSON: " + e.getOriginalMessage());
    }
  }

  private CocoAnnotationFile parse(Path file) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw error(file, "expected a JSON object with images, categories and annotations");
    }
    var images = new CocoImages.Builder();
    var annotations = new CocoAnnotations.Builder();
    var categories = new CocoCategories.Builder();
    boolean hasImages = false, hasAnnotations = false, hasCategories = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      section = p.currentName();
      JsonToken t = p.nextToken();
      switch (section) {
        case "images" -> {
          requireArray(file, t);
          hasImages = true;
          for (index = 0; p.nextToken() != JsonToken.END_ARRAY; index++) readImage(images);
        }
        case "annotations" -> {
          requireArray(file, t);
          hasAnnotations = true;
          for (index = 0; p.nextToken() != JsonToken.END_ARRAY; index++) {
            readAnnotation(annotations);
          }
        }
        case "categories" -> {
          requireArray(file, t);
          hasCategories = true;
          for (index = 0; p.nextToken() != JsonToken.END_ARRAY; index++) readCategory(categories);
        }
        default -> p.skipChildren();
      }
    }
    return new CocoAnnotationFile(file, images.build(), annotations.build(), categories.build(),
        hasImages, hasAnnotations, hasCategories, malformed);
  }

  /** False (entry skipped) when the entry is not an object. */
  private boolean isObject() throws IOException {
    if (p.currentToken() == JsonToken.START_OBJECT) return true;
    malformed(CocoAnnotationFile.ENTRY, "expected an object, got " + describe(p));
    p.skipChildren();
    return false;
  }

  private void readImage(CocoImages.Builder out) throws IOException {
    byte defect = CocoImages.MISSING_ID | CocoImages.MISSING_FILE_NAME
        | CocoImages.MISSING_WIDTH | CocoImages.MISSING_HEIGHT;
    if (!isObject()) {
      out.add(-1, null, 0, 0, (byte) (defect | CocoImages.NOT_AN_OBJECT));
      return;
    }
    long id = -1;
    String fileName = null;
    int width = 0, height = 0;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "id" -> {
          long v = integral(field, t);
          if (v != ABSENT) {
            id = v;
            defect &= ~CocoImages.MISSING_ID;
          }
        }
        case "file_name" -> {
          if (t == JsonToken.VALUE_STRING && !p.getText().isEmpty()) {
            fileName = p.getText();
            defect &= ~CocoImages.MISSING_FILE_NAME;
          } else {
            malformed(field, "field 'file_name' must be a non-empty string, got " + describe(p));
            p.skipChildren();
          }
        }
        case "width" -> {
          long v = int32(field, integral(field, t));
          if (v != ABSENT) {
            width = (int) v;
            defect &= ~CocoImages.MISSING_WIDTH;
          }
        }
        case "height" -> {
          long v = int32(field, integral(field, t));
          if (v != ABSENT) {
            height = (int) v;
            defect &= ~CocoImages.MISSING_HEIGHT;
          }
        }
        default -> p.skipChildren();
      }
    }
    out.add(id, fileName, width, height, defect);
  }

  private void readAnnotation(CocoAnnotations.Builder out) throws IOException {
    byte defect = CocoAnnotations.MISSING_ID | CocoAnnotations.MISSING_IMAGE_ID
        | CocoAnnotations.MISSING_CATEGORY_ID | CocoAnnotations.MISSING_BBOX
        | CocoAnnotations.MISSING_AREA;
    double nan = Double.NaN;
    if (!isObject()) {
      out.add(-1, -1, -1, nan, nan, nan, nan, nan, false,
          (byte) (defect | CocoAnnotations.NOT_AN_OBJECT));
      return;
    }
    long id = -1, imageId = -1;
    int categoryId = -1;
    double[] box = {nan, nan, nan, nan};
    double area = nan;
    boolean crowd = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "id" -> {
          long v = integral(field, t);
          if (v != ABSENT) {
            id = v;
            defect &= ~CocoAnnotations.MISSING_ID;
          }
        }
        case "image_id" -> {
          long v = integral(field, t);
          if (v != ABSENT) {
            imageId = v;
            defect &= ~CocoAnnotations.MISSING_IMAGE_ID;
          }
        }
        case "category_id" -> {
          long v = int32(field, integral(field, t));
          if (v != ABSENT) {
            categoryId = (int) v;
            defect &= ~CocoAnnotations.MISSING_CATEGORY_ID;
          }
        }
        case "bbox" -> {
          if (readBox(t, box)) defect &= ~CocoAnnotations.MISSING_BBOX;
        }
        case "area" -> {
          if (isNumber(t)) {
            area = p.getDoubleValue();
            defect &= ~CocoAnnotations.MISSING_AREA;
          } else {
            malformed(field, "field 'area' must be a number, got " + describe(p));
            p.skipChildren();
          }
        }
        case "iscrowd" -> {
          double v;
          if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
            v = t == JsonToken.VALUE_TRUE ? 1 : 0;
          } else if (isNumber(t)) {
            v = p.getDoubleValue();
            if (!Double.isFinite(v)) {
              malformed(field, "field 'iscrowd' is not a finite number: " + p.getText());
            }
          } else {
            malformed(field, "field 'iscrowd' must be a number, got " + describe(p));
            p.skipChildren();
            v = Double.NaN;
          }
          crowd = v != 0; // any non-zero value, and anything that is not a number, is a crowd
          if (v != 0 && v != 1) defect |= CocoAnnotations.BAD_ISCROWD;
        }
        default -> p.skipChildren();
      }
    }
    out.add(id, imageId, categoryId, box[0], box[1], box[2], box[3], area, crowd, defect);
  }

  private void readCategory(CocoCategories.Builder out) throws IOException {
    byte defect = CocoCategories.MISSING_ID | CocoCategories.MISSING_NAME;
    if (!isObject()) {
      out.add(-1, null, null, (byte) (defect | CocoCategories.NOT_AN_OBJECT));
      return;
    }
    int id = -1;
    String name = null, supercategory = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "id" -> {
          long v = int32(field, integral(field, t));
          if (v != ABSENT) {
            id = (int) v;
            defect &= ~CocoCategories.MISSING_ID;
          }
        }
        case "name" -> {
          if (t == JsonToken.VALUE_STRING) {
            name = p.getText();
            defect &= ~CocoCategories.MISSING_NAME;
          } else {
            malformed(field, "field 'name' must be a string, got " + describe(p));
            p.skipChildren();
          }
        }
        case "supercategory" -> {
          if (t == JsonToken.VALUE_STRING) supercategory = p.getText();
          else p.skipChildren();
        }
        default -> p.skipChildren();
      }
    }
    out.add(id, name, supercategory, defect);
  }

  /** Reads [x, y, w, h]: exactly four numbers (NaN/Infinity accepted here, flagged later). */
  private boolean readBox(JsonToken t, double[] box) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      malformed("bbox", "field 'bbox' must be an array [x, y, w, h], got " + describe(p));
      p.skipChildren();
      return false;
    }
    int n = 0;
    boolean ok = true;
    for (JsonToken v = p.nextToken(); v != JsonToken.END_ARRAY; v = p.nextToken()) {
      if (isNumber(v) && n < 4) {
        box[n] = p.getDoubleValue();
      } else if (ok) {
        ok = false;
        malformed("bbox", n >= 4 ? "field 'bbox' has more than 4 numbers"
            : "field 'bbox[" + n + "]' must be a number, got " + describe(p));
      }
      p.skipChildren();
      n++;
    }
    if (ok && n != 4) {
      malformed("bbox", "field 'bbox' has " + n + " numbers, expected 4 [x, y, w, h]");
    }
    if (!ok || n != 4) {
      for (int i = 0; i < 4; i++) box[i] = Double.NaN;
      return false;
    }
    return true;
  }

  private static boolean isNumber(JsonToken t) {
    return t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT;
  }

  /**
   * An integer-valued number as a long (an integral float such as 42.0 is accepted: Python treats
   * 42.0 == 42), or {@link #ABSENT} for anything else.
   */
  private long integral(String field, JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_NUMBER_INT) {
      if (p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) return p.getLongValue();
      malformed(field, "field '" + field + "' is out of range: " + p.getText());
      return ABSENT;
    }
    if (t == JsonToken.VALUE_NUMBER_FLOAT) {
      double d = p.getDoubleValue();
      if (Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 0x1p53) return (long) d;
    }
    malformed(field, "field '" + field + "' must be an integer, got " + describe(p));
    p.skipChildren();
    return ABSENT;
  }

  /** {@code v} when it fits an int, else {@link #ABSENT}. */
  private long int32(String field, long v) throws IOException {
    if (v == ABSENT || (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE)) return v;
    malformed(field, "field '" + field + "' is out of range: " + v);
    return ABSENT;
  }

  /** Keeps the first malformed value of each field of each section, with its line. */
  private void malformed(String field, String problem) {
    String key = CocoAnnotationFile.key(section, field);
    if (!malformed.containsKey(key)) {
      malformed.put(key, new CocoAnnotationFile.Malformed(index,
          problem + " (line " + p.currentLocation().getLineNr() + ")"));
    }
  }
  private void requireArray(Path file, JsonToken t) throws CocoFormatException {
    if (t != JsonToken.START_ARRAY) {
      throw error(file, "\"" + section + "\" must be an array, found " + t);
    }
  }

  private CocoFormatException error(Path file, String message) {
    JsonLocation at = p.currentLocation();
    return new CocoFormatException(file, at.getLineNr(), at.getColumnNr(), message);
  }
}

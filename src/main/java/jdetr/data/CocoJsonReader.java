package jdetr.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Streams a COCO annotations file (instances_train2017.json is 450 MB) into compact tables,
 * skipping what training and evaluation do not use (segmentations, licenses, info). Missing or
 * malformed fields do not stop the read: they are flagged per entry for {@link DatasetValidation}.
 * Only a file that is not JSON, or whose sections are not arrays, is refused.
 */
public final class CocoJsonReader {
  private static final JsonFactory JSON =
      JsonFactory.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
  private static final long ABSENT = Long.MIN_VALUE;

  private CocoJsonReader() {}

  public static CocoGroundTruth read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file); JsonParser p = JSON.createParser(in)) {
      return read(p, file);
    } catch (NoSuchFileException e) {
      throw new FileNotFoundException("COCO annotations file not found: " + file);
    } catch (StreamReadException e) {
      JsonLocation at = e.getLocation();
      throw new CocoFormatException(file, at == null ? 0 : at.getLineNr(),
          at == null ? 0 : at.getColumnNr(), e.getOriginalMessage());
    }
  }

  private static CocoGroundTruth read(JsonParser p, Path file) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw error(p, file, "a COCO annotations file must be a JSON object");
    }
    var images = new CocoImages.Builder();
    var annotations = new CocoAnnotations.Builder();
    var categories = new CocoCategories.Builder();
    boolean hasImages = false, hasAnnotations = false, hasCategories = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String section = p.currentName();
      JsonToken t = p.nextToken();
      switch (section) {
        case "images" -> {
          requireArray(p, file, t, section);
          hasImages = true;
          while (p.nextToken() != JsonToken.END_ARRAY) readImage(p, images);
        }
        case "annotations" -> {
          requireArray(p, file, t, section);
          hasAnnotations = true;
          while (p.nextToken() != JsonToken.END_ARRAY) readAnnotation(p, annotations);
        }
        case "categories" -> {
          requireArray(p, file, t, section);
          hasCategories = true;
          while (p.nextToken() != JsonToken.END_ARRAY) readCategory(p, categories);
        }
        default -> p.skipChildren();
      }
    }
    return new CocoGroundTruth(file, images.build(), annotations.build(), categories.build(),
        hasImages, hasAnnotations, hasCategories);
  }

  private static void readImage(JsonParser p, CocoImages.Builder out) throws IOException {
    byte defect = CocoImages.MISSING_ID | CocoImages.MISSING_FILE_NAME
        | CocoImages.MISSING_WIDTH | CocoImages.MISSING_HEIGHT;
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
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
          long v = integral(p, t);
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
            p.skipChildren();
          }
        }
        case "width" -> {
          long v = integral(p, t);
          if (v != ABSENT && v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            width = (int) v;
            defect &= ~CocoImages.MISSING_WIDTH;
          }
        }
        case "height" -> {
          long v = integral(p, t);
          if (v != ABSENT && v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            height = (int) v;
            defect &= ~CocoImages.MISSING_HEIGHT;
          }
        }
        default -> p.skipChildren();
      }
    }
    out.add(id, fileName, width, height, defect);
  }

  private static void readAnnotation(JsonParser p, CocoAnnotations.Builder out) throws IOException {
    byte defect = CocoAnnotations.MISSING_ID | CocoAnnotations.MISSING_IMAGE_ID
        | CocoAnnotations.MISSING_CATEGORY_ID | CocoAnnotations.MISSING_BBOX
        | CocoAnnotations.MISSING_AREA;
    double nan = Double.NaN;
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
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
          long v = integral(p, t);
          if (v != ABSENT) {
            id = v;
            defect &= ~CocoAnnotations.MISSING_ID;
          }
        }
        case "image_id" -> {
          long v = integral(p, t);
          if (v != ABSENT) {
            imageId = v;
            defect &= ~CocoAnnotations.MISSING_IMAGE_ID;
          }
        }
        case "category_id" -> {
          long v = integral(p, t);
          if (v != ABSENT && v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            categoryId = (int) v;
            defect &= ~CocoAnnotations.MISSING_CATEGORY_ID;
          }
        }
        case "bbox" -> {
          if (readBox(p, t, box)) defect &= ~CocoAnnotations.MISSING_BBOX;
        }
        case "area" -> {
          if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
            area = p.getDoubleValue();
            defect &= ~CocoAnnotations.MISSING_AREA;
          } else {
            p.skipChildren();
          }
        }
        case "iscrowd" -> {
          long v = t == JsonToken.VALUE_TRUE ? 1 : t == JsonToken.VALUE_FALSE ? 0 : integral(p, t);
          crowd = v != 0;
          if (v != 0 && v != 1) defect |= CocoAnnotations.BAD_ISCROWD;
        }
        default -> p.skipChildren();
      }
    }
    out.add(id, imageId, categoryId, box[0], box[1], box[2], box[3], area, crowd, defect);
  }

  private static void readCategory(JsonParser p, CocoCategories.Builder out) throws IOException {
    byte defect = CocoCategories.MISSING_ID | CocoCategories.MISSING_NAME;
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
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
          long v = integral(p, t);
          if (v != ABSENT && v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            id = (int) v;
            defect &= ~CocoCategories.MISSING_ID;
          }
        }
        case "name" -> {
          if (t == JsonToken.VALUE_STRING) {
            name = p.getText();
            defect &= ~CocoCategories.MISSING_NAME;
          } else {
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
  private static boolean readBox(JsonParser p, JsonToken t, double[] box) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      p.skipChildren();
      return false;
    }
    int n = 0;
    boolean ok = true;
    for (JsonToken v = p.nextToken(); v != JsonToken.END_ARRAY; v = p.nextToken()) {
      if ((v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT) && n < 4) {
        box[n] = p.getDoubleValue();
      } else {
        ok = false;
        p.skipChildren();
      }
      n++;
    }
    if (!ok || n != 4) {
      for (int i = 0; i < 4; i++) box[i] = Double.NaN;
      return false;
    }
    return true;
  }

  /** An integer-valued number as a long, or {@link #ABSENT} for anything else. */
  private static long integral(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_NUMBER_INT) {
      return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? ABSENT : p.getLongValue();
    }
    if (t == JsonToken.VALUE_NUMBER_FLOAT) {
      double d = p.getDoubleValue();
      return Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 0x1p53 ? (long) d : ABSENT;
    }
    p.skipChildren();
    return ABSENT;
  }

  private static void requireArray(JsonParser p, Path file, JsonToken t, String section)
      throws CocoFormatException {
    if (t != JsonToken.START_ARRAY) {
      throw error(p, file, "\"" + section + "\" must be an array, found " + t);
    }
  }

  private static CocoFormatException error(JsonParser p, Path file, String message) {
    JsonLocation at = p.currentLocation();
    return new CocoFormatException(file, at.getLineNr(), at.getColumnNr(), message);
  }
}

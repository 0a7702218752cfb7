package jdetr.eval;

import static jdetr.data.CocoFormatException.describe;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jdetr.data.CocoFormatException;
import jdetr.io.JsonLimits;

/**
 * Reads a COCO results file ({@code [{image_id, category_id, bbox, score}]}) with a streaming
 * parser; everything else is skipped unread. Errors name the file, the entry, its image id and the
 * field. Annotation files are read by {@link GroundTruthSet#read}.
 */
public final class CocoResultsReader {
  // FastDoubleParser rounds correctly, as Double.parseDouble and Python's float() do
  private static final JsonFactory JSON =
      JsonLimits.factoryBuilder().enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();

  private final Path file;
  private final JsonParser p;

  private CocoResultsReader(Path file, JsonParser p) {
    this.file = file;
    this.p = p;
  }

  /** Reads a COCO results file (a JSON array; an empty array is no detection at all). */
  public static List<CocoResult> read(Path file) throws IOException {
    try (JsonParser p = JSON.createParser(file.toFile())) {
      try {
        return new CocoResultsReader(file, p).results();
      } catch (StreamConstraintsException e) {
        throw new CocoFormatException(file + ": " + JsonLimits.refusal(p, e), e);
      }
    } catch (JsonProcessingException e) {
      throw malformed(file, e);
    } catch (CocoFormatException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  private List<CocoResult> results() throws IOException {
    if (p.nextToken() != JsonToken.START_ARRAY) {
      throw error("top level", "expected a JSON array of {image_id, category_id, bbox, score}");
    }
    List<CocoResult> out = new ArrayList<>();
    for (int i = 0; p.nextToken() != JsonToken.END_ARRAY; i++) {
      String where = "results[" + i + "]";
      expectObject(where);
      Long imageId = null;
      Long categoryId = null;
      double[] bbox = null;
      Double score = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        switch (name) {
          case "image_id" -> imageId = id(where, "image_id");
          case "category_id" -> categoryId = id(named(where, "image_id", imageId), "category_id");
          case "bbox" -> bbox = bbox(named(where, "image_id", imageId));
          case "score" -> score = number(named(where, "image_id", imageId), "score");
          default -> p.skipChildren();
        }
      }
      String named = named(where, "image_id", imageId);
      double[] b = required(bbox, named, "bbox");
      out.add(new CocoResult(required(imageId, where, "image_id"),
          required(categoryId, named, "category_id"), b[0], b[1], b[2], b[3],
          required(score, named, "score")));
    }
    return out;
  }

  /** An integer id; an integral float such as 42.0 is accepted (Python treats 42.0 == 42). */
  private long id(String where, String field) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NUMBER_INT) {
      if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        throw error(where, "field '" + field + "' is out of range: " + p.getText());
      }
      return p.getLongValue();
    }
    if (t == JsonToken.VALUE_NUMBER_FLOAT) {
      double v = p.getDoubleValue();
      if (v == Math.rint(v) && Math.abs(v) < 0x1p53) {
        return (long) v;
      }
    }
    throw error(where, "field '" + field + "' must be an integer, got " + describe(p));
  }

  private double number(String where, String field) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
      double v = p.getDoubleValue();
      if (!Double.isFinite(v)) {
        throw error(where, "field '" + field + "' is not a finite number: " + p.getText());
      }
      return v;
    }
    throw error(where, "field '" + field + "' must be a number, got " + describe(p));
  }


  private double[] bbox(String where) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw error(where, "field 'bbox' must be an array [x, y, w, h], got " + describe(p));
    }
    double[] b = new double[4];
    int n = 0;
    while (p.nextToken() != JsonToken.END_ARRAY) {
      if (n == 4) {
        throw error(where, "field 'bbox' has more than 4 numbers");
      }
      b[n++] = number(where, "bbox[" + (n - 1) + "]");
    }
    if (n != 4) {
      throw error(where, "field 'bbox' has " + n + " numbers, expected 4 [x, y, w, h]");
    }
    return b;
  }

  private void expectObject(String where) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw error(where, "expected an object, got " + describe(p));
    }
  }

  /** "results[3] (image_id 17)" once the image id is known. */
  private static String named(String where, String key, Long id) {
    return id == null ? where : where + " (" + key + " " + id + ")";
  }

  private <T> T required(T value, String where, String field) throws CocoFormatException {
    if (value == null) {
      throw error(where, "missing field '" + field + "'");
    }
    return value;
  }

  private CocoFormatException error(String where, String problem) {
    return new CocoFormatException(file + ": " + where + ": " + problem + " (line "
        + p.currentLocation().getLineNr() + ")");
  }

  private static CocoFormatException malformed(Path file, JsonProcessingException e) {
    String at = e.getLocation() == null ? ""
        : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    return new CocoFormatException(file + ": malformed JSON" + at + ": " + e.getOriginalMessage(), e);
  }
}

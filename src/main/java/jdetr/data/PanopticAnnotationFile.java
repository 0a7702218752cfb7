package jdetr.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdetr.io.JsonLimits;

/**
 * A COCO panoptic JSON ({@code panoptic_val2017.json}, or a results file in the same format):
 * {@code annotations} of {@code image_id}, {@code file_name} (the PNG) and {@code segments_info},
 * {@code categories} with {@code isthing}, and {@code images}. Read strictly: a field missing or of
 * the wrong type, a duplicate id (category, image, annotation's image, segment within an image)
 * and a ground-truth segment of id 0 (VOID) are refused with the file, entry and id named.
 *
 * @param file where it was read from
 * @param categories {@code categories} in file order (empty when the section is absent)
 * @param images {@code images} in file order (empty when absent)
 * @param annotations {@code annotations} in file order
 */
public record PanopticAnnotationFile(
    Path file, List<Category> categories, List<Image> images, List<ImageAnnotation> annotations) {
  private static final ObjectMapper MAPPER = new ObjectMapper(JsonLimits.factoryBuilder().build());

  /** A category; {@code isThing} is panopticapi's {@code isthing == 1}. */
  public record Category(int id, String name, boolean isThing) {}

  /** An entry of {@code images}. */
  public record Image(long id, String fileName, int width, int height) {}

  /**
   * One entry of {@code segments_info}.
   *
   * @param iscrowd the {@code iscrowd} flag (0 when absent from a results file)
   * @param area {@code area} from the JSON, -1 when absent (results files may omit it)
   */
  public record Segment(long id, int categoryId, int iscrowd, long area) {}

  /** One image's segments: the PNG {@code fileName} and its {@code segments_info}, in order. */
  public record ImageAnnotation(long imageId, String fileName, List<Segment> segments) {
    /** The PNG inside {@code folder}; a name reaching outside it is refused. */
    public Path png(Path folder) throws CocoFormatException {
      return inside(folder, fileName, imageId);
    }
  }

  /**
   * {@code name} inside {@code folder} (a file of image {@code imageId}); a name reaching outside
   * it is refused.
   */
  public static Path inside(Path folder, String name, long imageId) throws CocoFormatException {
    Path base = folder.toAbsolutePath().normalize();
    Path p = base.resolve(name).normalize();
    if (!p.startsWith(base) || p.equals(base)) {
      throw new CocoFormatException("image_id " + imageId + ": file_name \"" + name
          + "\" is not a file inside " + folder);
    }
    return p;
  }

  /**
   * Reads {@code file}. With {@code groundTruth}, {@code categories} (with {@code isthing}) and
   * each segment's {@code iscrowd} and {@code area} are required, as panopticapi reads them from
   * the ground truth; a results file needs only {@code annotations} with segment ids and
   * {@code category_id}. The file streams by one entry at a time (panoptic_train2017.json is
   * large); other sections are skipped.
   */
  public static PanopticAnnotationFile read(Path file, boolean groundTruth) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new FileNotFoundException("panoptic JSON not found: " + file);
    }
    try (JsonParser p = MAPPER.createParser(file.toFile())) {
      try {
        return new Sections(file, groundTruth).read(p);
      } catch (StreamConstraintsException e) {
        throw new CocoFormatException(file + ": " + JsonLimits.refusal(p, e), e);
      }
    } catch (JsonProcessingException e) {
      var at = e.getLocation();
      throw new CocoFormatException(file, at == null ? 0 : at.getLineNr(),
          at == null ? 0 : at.getColumnNr(), "malformed JSON: " + e.getOriginalMessage());
    }
  }

  /** The sections of one file as they stream by. */
  private static final class Sections {
    private final Fields fields;
    private final boolean groundTruth;
    private final List<Category> categories = new ArrayList<>();
    private final Set<Integer> categoryIds = new HashSet<>();
    private final List<Image> images = new ArrayList<>();
    private final Set<Long> imageIds = new HashSet<>();
    private final List<ImageAnnotation> annotations = new ArrayList<>();
    private final Map<Long, Integer> annotationOf = new HashMap<>();

    Sections(Path file, boolean groundTruth) {
      this.fields = new Fields(file);
      this.groundTruth = groundTruth;
    }

    PanopticAnnotationFile read(JsonParser p) throws IOException {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw fields.error("expected a JSON object with annotations");
      }
      boolean hasCategories = false, hasAnnotations = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String section = p.currentName();
        JsonToken t = p.nextToken();
        switch (section) {
          case "categories", "images", "annotations" -> {
            if (t != JsonToken.START_ARRAY) {
              throw fields.error(section + " must be an array, got "
                  + CocoFormatException.describe(p));
            }
            hasCategories |= section.equals("categories");
            hasAnnotations |= section.equals("annotations");
            while (p.nextToken() != JsonToken.END_ARRAY) {
              JsonNode entry = p.readValueAsTree();
              switch (section) {
                case "categories" -> category(entry);
                case "images" -> image(entry);
                default -> annotation(entry);
              }
            }
          }
          default -> p.skipChildren();
        }
      }
      if (groundTruth && !hasCategories) {
        throw fields.error("categories must be an array, it is missing");
      }
      if (!hasAnnotations) {
        throw fields.error("annotations must be an array, it is missing");
      }
      return new PanopticAnnotationFile(fields.file(), List.copyOf(categories),
          List.copyOf(images), List.copyOf(annotations));
    }

    private void category(JsonNode c) throws CocoFormatException {
      String at = "categories[" + categories.size() + "]";
      int id = fields.integer(c, "id", at);
      if (!categoryIds.add(id)) {
        throw fields.error(at + ": category id " + id + " appears twice");
      }
      JsonNode name = c.get("name");
      boolean isThing = groundTruth
          ? fields.integer(c, "isthing", at + " (category " + id + ")") == 1
          : c.path("isthing").asInt(0) == 1;
      categories.add(new Category(id, name == null ? null : name.asText(), isThing));
    }

    private void image(JsonNode im) throws CocoFormatException {
      String at = "images[" + images.size() + "]";
      long id = fields.longValue(im, "id", at);
      if (!imageIds.add(id)) {
        throw fields.error(at + ": image id " + id + " appears twice");
      }
      images.add(new Image(id, fields.text(im, "file_name", at + " (image " + id + ")"),
          im.path("width").asInt(-1), im.path("height").asInt(-1)));
    }

    private void annotation(JsonNode a) throws CocoFormatException {
      int index = annotations.size();
      String at = "annotations[" + index + "]";
      long imageId = fields.longValue(a, "image_id", at);
      at += " (image_id " + imageId + ")";
      Integer before = annotationOf.putIfAbsent(imageId, index);
      if (before != null) {
        throw fields.error(at + ": image_id " + imageId + " already has annotations[" + before
            + "]");
      }
      String fileName = fields.text(a, "file_name", at);
      List<Segment> segments = new ArrayList<>();
      Set<Long> ids = new HashSet<>();
      for (JsonNode s : fields.array(a.get("segments_info"), at + ".segments_info")) {
        String sat = at + ".segments_info[" + segments.size() + "]";
        long id = fields.longValue(s, "id", sat);
        sat += " (segment " + id + ")";
        if (groundTruth && id == 0) {
          // a ground-truth segment 0 would be VOID as well (panopticapi divides by zero on it);
          // predictions may use 0, as DETR's post-processing does
          throw fields.error(sat + ": id 0 is VOID in a panoptic PNG, not a segment");
        }
        if (!ids.add(id)) {
          throw fields.error(sat + ": segment id " + id + " appears twice in " + fileName);
        }
        int category = fields.integer(s, "category_id", sat);
        int iscrowd = groundTruth || s.has("iscrowd") ? fields.integer(s, "iscrowd", sat) : 0;
        long area = groundTruth || s.has("area") ? fields.longValue(s, "area", sat) : -1;
        segments.add(new Segment(id, category, iscrowd, area));
      }
      annotations.add(new ImageAnnotation(imageId, fileName, List.copyOf(segments)));
    }
  }

  /** The categories by id. */
  public Map<Integer, Category> categoryById() {
    Map<Integer, Category> m = new HashMap<>();
    categories.forEach(c -> m.put(c.id(), c));
    return m;
  }

  /** Typed field access with errors naming the file, the entry and the field. */
  private record Fields(Path file) {
    CocoFormatException error(String message) {
      return new CocoFormatException(file + ": " + message);
    }

    Iterable<JsonNode> array(JsonNode n, String name) throws CocoFormatException {
      if (n == null || !n.isArray()) {
        throw error(name + " must be an array" + (n == null ? ", it is missing" : ""));
      }
      return n;
    }

    long longValue(JsonNode entry, String field, String at) throws CocoFormatException {
      JsonNode v = entry.get(field);
      if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
        throw error(at + ": " + field + " must be an integer, got "
            + (v == null ? "nothing" : v.toString()));
      }
      return v.longValue();
    }

    int integer(JsonNode entry, String field, String at) throws CocoFormatException {
      long v = longValue(entry, field, at);
      if (v != (int) v) {
        throw error(at + ": " + field + " " + v + " is out of range");
      }
      return (int) v;
    }

    String text(JsonNode entry, String field, String at) throws CocoFormatException {
      JsonNode v = entry.get(field);
      if (v == null || !v.isTextual()) {
        throw error(at + ": " + field + " must be a string, got "
            + (v == null ? "nothing" : v.toString()));
      }
      return v.asText();
    }
  }
}

package jdetr.eval;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import jdetr.mask.Rle;
import jdetr.mask.RleString;

/**
 * Writes COCO annotation and results files (the fields evaluation reads), atomically: to a temp
 * file in the same folder, then renamed over the target.
 */
public final class CocoJsonWriter {
  private static final JsonFactory JSON = new JsonFactory();

  private CocoJsonWriter() {}

  /** {@code {"images":[{id}], "categories":[{id,name}], "annotations":[...]}}. */
  public static void writeGroundTruth(GroundTruthSet gt, Path file) throws IOException {
    atomically(file, g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("images");
      for (long id : gt.imageIds()) {
        g.writeStartObject();
        g.writeNumberField("id", id);
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("categories");
      for (CocoCategory c : gt.categories()) {
        g.writeStartObject();
        g.writeNumberField("id", c.id());
        g.writeStringField("name", c.name());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("annotations");
      for (CocoGroundTruth a : gt.annotations()) {
        g.writeStartObject();
        g.writeNumberField("id", a.id());
        g.writeNumberField("image_id", a.imageId());
        g.writeNumberField("category_id", a.categoryId());
        g.writeFieldName("bbox");
        g.writeArray(new double[] {a.x(), a.y(), a.w(), a.h()}, 0, 4);
        g.writeNumberField("area", a.area());
        g.writeNumberField("iscrowd", a.iscrowd() ? 1 : 0);
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  /** {@code [{"image_id", "category_id", "bbox", "score"}]}. */
  public static void writeResults(List<CocoResult> results, Path file) throws IOException {
    atomically(file, g -> {
      g.writeStartArray();
      for (CocoResult r : results) {
        g.writeStartObject();
        g.writeNumberField("image_id", r.imageId());
        g.writeNumberField("category_id", r.categoryId());
        g.writeFieldName("bbox");
        g.writeArray(new double[] {r.x(), r.y(), r.w(), r.h()}, 0, 4);
        g.writeNumberField("score", r.score());
        g.writeEndObject();
      }
      g.writeEndArray();
    });
  }

  /**
   * {@code [{"image_id", "category_id", "segmentation": {"size": [h, w], "counts": "..."},
   * "score"}]}: mask results as the reference writes them (compressed RLE strings, no bbox), for
   * pycocotools' {@code loadRes}.
   *
   * @param masks one per result, in the same order
   */
  public static void writeSegmResults(List<CocoResult> results, List<Rle> masks, Path file)
      throws IOException {
    if (masks.size() != results.size()) {
      throw new IllegalArgumentException(results.size() + " results but " + masks.size()
          + " masks");
    }
    atomically(file, g -> {
      g.writeStartArray();
      for (int i = 0; i < results.size(); i++) {
        CocoResult r = results.get(i);
        Rle m = masks.get(i);
        g.writeStartObject();
        g.writeNumberField("image_id", r.imageId());
        g.writeNumberField("category_id", r.categoryId());
        g.writeObjectFieldStart("segmentation");
        g.writeFieldName("size");
        g.writeArray(new int[] {m.height(), m.width()}, 0, 2);
        g.writeStringField("counts", RleString.encode(m));
        g.writeEndObject();
        g.writeNumberField("score", r.score());
        g.writeEndObject();
      }
      g.writeEndArray();
    });
  }

  private interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private static void atomically(Path file, Body body) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    try {
      try (JsonGenerator g = JSON.createGenerator(tmp.toFile(), JsonEncoding.UTF8)) {
        body.write(g);
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}

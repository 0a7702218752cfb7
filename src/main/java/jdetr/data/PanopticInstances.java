package jdetr.data;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import jdetr.data.PanopticAnnotationFile.Category;
import jdetr.io.AtomicFiles;
import jdetr.mask.Rle;

/**
 * A COCO panoptic split opened for training: its targets come from the PNGs ({@link
 * CocoPanopticReader}), and a COCO instances view of it, one annotation per segment (things and
 * stuff, crowd flags kept; {@code bbox} the segment's pixel extent, {@code area} the JSON's,
 * {@code segmentation} the mask as uncompressed RLE), is written next to the panoptic JSON as
 * {@code annotations/panoptic_<split>2017.instances.json} for what reads COCO instances: the image
 * list and category ids of the dataset, and the box and mask evaluation. It is rewritten when
 * older than the panoptic JSON.
 */
public final class PanopticInstances {
  /** Ends the derived file's name. */
  public static final String SUFFIX = ".instances.json";

  private PanopticInstances() {}

  /**
   * Split {@code split} under {@code root}: {@code annotations/panoptic_<split>2017.json}, {@code
   * panoptic_<split>2017/} and {@code <split>2017/}; a missing one is named.
   */
  public static CocoPaths open(Path root, String split) throws IOException {
    CocoPanopticReader.Layout layout = CocoPanopticReader.Layout.coco2017(root, root, split);
    for (Path p : new Path[] {layout.annotations(), layout.segmentations(), layout.images()}) {
      if (!Files.exists(p)) {
        throw new FileNotFoundException("COCO panoptic " + split + " split: " + p + " not found"
            + " (data.format coco_panoptic expects annotations/panoptic_" + split + "2017.json,"
            + " panoptic_" + split + "2017/ and " + split + "2017/ under " + root + ")");
      }
    }
    Path derived = layout.annotations().resolveSibling(
        layout.annotations().getFileName().toString().replace(".json", SUFFIX));
    if (!Files.isRegularFile(derived) || Files.getLastModifiedTime(derived)
        .compareTo(Files.getLastModifiedTime(layout.annotations())) < 0) {
      write(CocoPanopticReader.open(layout), layout.images(), derived);
    }
    return new CocoPaths(derived, layout.images(), layout);
  }

  /** Writes the instances view of {@code reader}'s split to {@code file}. */
  static void write(CocoPanopticReader reader, Path images, Path file) throws IOException {
    PanopticTarget[] targets = new PanopticTarget[reader.size()];
    Rle[][] masks = new Rle[reader.size()][];
    try {
      IntStream.range(0, reader.size()).parallel().forEach(i -> {
        try {
          PanopticTarget t = reader.target(i);
          byte[] planes = t.masks(); // [N, H, W]
          int plane = t.height() * t.width();
          masks[i] = new Rle[t.size()];
          for (int k = 0; k < t.size(); k++) {
            byte[] one = java.util.Arrays.copyOfRange(planes, k * plane, (k + 1) * plane);
            masks[i][k] = Rle.encode(one, t.height(), t.width());
          }
          targets[i] = new PanopticTarget(t.imageId(), t.image(), t.height(), t.width(),
              t.segmentIds(), t.labels(), t.boxes(), t.iscrowd(), t.area(), null);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    AtomicFiles.writeStream(file, out -> writeJson(out, reader, images, targets, masks));
  }

  private static void writeJson(OutputStream out, CocoPanopticReader reader, Path images,
      PanopticTarget[] targets, Rle[][] masks) throws IOException {
    try (JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
      g.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
      g.writeStartObject();
      g.writeArrayFieldStart("images");
      for (PanopticTarget t : targets) {
        g.writeStartObject();
        g.writeNumberField("id", t.imageId());
        g.writeStringField("file_name", images.toAbsolutePath().normalize()
            .relativize(t.image().toAbsolutePath().normalize()).toString());
        g.writeNumberField("width", t.width());
        g.writeNumberField("height", t.height());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("annotations");
      long id = 0;
      for (int i = 0; i < targets.length; i++) {
        PanopticTarget t = targets[i];
        for (int k = 0; k < t.size(); k++) {
          float[] b = t.boxes(); // xyxy, inclusive pixel indices
          g.writeStartObject();
          g.writeNumberField("id", ++id);
          g.writeNumberField("image_id", t.imageId());
          g.writeNumberField("category_id", t.labels()[k]);
          g.writeNumberField("iscrowd", t.iscrowd()[k]);
          g.writeNumberField("area", t.area()[k]);
          g.writeArrayFieldStart("bbox");
          g.writeNumber(b[4 * k]);
          g.writeNumber(b[4 * k + 1]);
          g.writeNumber(b[4 * k + 2] - b[4 * k] + 1);
          g.writeNumber(b[4 * k + 3] - b[4 * k + 1] + 1);
          g.writeEndArray();
          g.writeObjectFieldStart("segmentation");
          g.writeArrayFieldStart("size");
          g.writeNumber(t.height());
          g.writeNumber(t.width());
          g.writeEndArray();
          g.writeArrayFieldStart("counts");
          for (int c : masks[i][k].counts()) g.writeNumber(c);
          g.writeEndArray();
          g.writeEndObject();
          g.writeEndObject();
        }
      }
      g.writeEndArray();
      g.writeArrayFieldStart("categories");
      for (Category c : reader.categories()) {
        g.writeStartObject();
        g.writeNumberField("id", c.id());
        g.writeStringField("name", c.name() == null ? "class " + c.id() : c.name());
        g.writeNumberField("isthing", c.isThing() ? 1 : 0);
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
  }
}

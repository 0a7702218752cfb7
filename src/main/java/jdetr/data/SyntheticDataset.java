package jdetr.data;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import jdetr.io.AtomicFiles;
import jdetr.mask.RleString;

/**
 * Writes a synthetic dataset in the COCO 2017 layout ({@code annotations/instances_train2017.json},
 * {@code train2017/}, {@code val2017/}): images first, each written atomically, then each
 * annotations file atomically, so an interrupted run never leaves a dataset that names missing images.
 */
public final class SyntheticDataset {
  private static final String[] SPLITS = {"train", "val"};

  private SyntheticDataset() {}

  /** What was written. */
  public record Summary(Path root, int trainImages, int valImages, int objects, int classes) {}

  public static Summary write(Path root, SynthConfig c, boolean overwrite) throws IOException {
    Path annotations = root.resolve("annotations");
    for (String split : SPLITS) {
      Path file = annotations.resolve("instances_" + split + "2017.json");
      if (Files.exists(file) && !overwrite) {
        throw new IOException(file + " exists: " + root + " already holds a dataset (use --force)");
      }
    }
    Files.createDirectories(annotations);
    int objects = 0;
    int[] counts = {c.train(), c.val()};
    SyntheticShapes.Scene[][] scenes = new SyntheticShapes.Scene[2][];
    for (int s = 0; s < 2; s++) {
      Path folder = Files.createDirectories(root.resolve(SPLITS[s] + "2017"));
      int split = s;
      scenes[s] = IntStream.range(0, counts[s]).parallel().mapToObj(i -> {
        SyntheticShapes.Scene scene = SyntheticShapes.scene(c, split, i);
        try {
          AtomicFiles.writeBytes(folder.resolve(fileName(i, c.format())),
              encode(SyntheticShapes.render(scene), c.format()));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return scene;
      }).toArray(SyntheticShapes.Scene[]::new);
    }
    for (int s = 0; s < 2; s++) {
      SyntheticShapes.Scene[] split = scenes[s];
      for (SyntheticShapes.Scene scene : split) objects += scene.objects().size();
      AtomicFiles.writeStream(annotations.resolve("instances_" + SPLITS[s] + "2017.json"),
          out -> writeJson(out, split, c));
    }
    return new Summary(root, c.train(), c.val(), objects, c.classes());
  }

  /** COCO-style names: the image id, 12 digits. */
  static String fileName(int index, String format) {
    return String.format("%012d.%s", index + 1, format);
  }

  static byte[] encode(BufferedImage image, String format) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    if (format.equals("png")) {
      ImageIO.write(image, "png", bytes);
      return bytes.toByteArray();
    }
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(0.92f);
      writer.setOutput(out);
      writer.write(null, new IIOImage(image, null, null), param);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }

  private static void writeJson(java.io.OutputStream out, SyntheticShapes.Scene[] scenes,
      SynthConfig c) throws IOException {
    try (JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeObjectFieldStart("info");
      g.writeStringField("description", "jdetr synthetic shapes");
      g.writeNumberField("seed", c.seed());
      g.writeEndObject();
      g.writeArrayFieldStart("licenses");
      g.writeEndArray();
      g.writeArrayFieldStart("images");
      for (int i = 0; i < scenes.length; i++) {
        g.writeStartObject();
        g.writeNumberField("id", i + 1);
        g.writeStringField("file_name", fileName(i, c.format()));
        g.writeNumberField("width", scenes[i].width());
        g.writeNumberField("height", scenes[i].height());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("annotations");
      long id = 1;
      String[][] rles = IntStream.range(0, scenes.length).parallel().mapToObj(i -> {
        InstanceMasks masks = SyntheticShapes.masks(scenes[i]);
        return IntStream.range(0, masks.count()).mapToObj(k -> RleString.encode(masks.rle(k)))
            .toArray(String[]::new);
      }).toArray(String[][]::new);
      for (int i = 0; i < scenes.length; i++) {
        for (int k = 0; k < scenes[i].objects().size(); k++) {
          SyntheticShapes.SceneObject o = scenes[i].objects().get(k);
          g.writeStartObject();
          g.writeNumberField("id", id++);
          g.writeNumberField("image_id", i + 1);
          g.writeNumberField("category_id", o.kind().categoryId());
          g.writeArrayFieldStart("bbox");
          g.writeNumber(o.x());
          g.writeNumber(o.y());
          g.writeNumber(o.w());
          g.writeNumber(o.h());
          g.writeEndArray();
          g.writeNumberField("area", round2(o.kind().area(o.w(), o.h(), o.shape())));
          g.writeNumberField("iscrowd", 0);
          g.writeObjectFieldStart("segmentation"); // the visible pixels, compressed RLE
          g.writeFieldName("size");
          g.writeArray(new int[] {scenes[i].height(), scenes[i].width()}, 0, 2);
          g.writeStringField("counts", rles[i][k]);
          g.writeEndObject();
          g.writeEndObject();
        }
      }
      g.writeEndArray();
      g.writeArrayFieldStart("categories");
      for (int k = 0; k < c.classes(); k++) {
        ShapeKind kind = ShapeKind.values()[k];
        g.writeStartObject();
        g.writeNumberField("id", kind.categoryId());
        g.writeStringField("name", kind.label());
        g.writeStringField("supercategory", "shape");
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
  }

  private static double round2(double v) {
    return Math.round(v * 100) / 100.0;
  }
}

package jdetr.data;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import jdetr.io.AtomicFiles;

/**
 * A synthetic COCO panoptic dataset: {@link SyntheticShapes}' scenes with their shapes as things
 * over two stuff bands, sky above a horizon and ground below it, drawn without anti-aliasing so
 * the panoptic PNG is exact. Written in the layout {@link CocoPanopticReader.Layout#coco2017}
 * reads with the same root for both: {@code annotations/panoptic_{train,val}2017.json},
 * {@code panoptic_{train,val}2017/} (PNGs) and {@code {train,val}2017/} (JPEG images). Things keep
 * their shape category ids (1..classes); stuff is {@value #SKY} (sky) and {@value #GROUND}
 * (ground); a segment's id is {@code category_id * 1000 + n}, its n-th of that category. A shape
 * hidden entirely by later ones has no segment. Images first, then each JSON atomically.
 */
public final class SyntheticPanoptic {
  /** The sky's category id (stuff). */
  public static final int SKY = ShapeKind.COUNT + 1;
  /** The ground's category id (stuff). */
  public static final int GROUND = ShapeKind.COUNT + 2;
  /** num_classes of a model for this data: the largest category id + 1, as the reference. */
  public static final int NUM_CLASSES = GROUND + 1;
  private static final String[] SPLITS = {"train", "val"};

  private SyntheticPanoptic() {}

  /** One segment: {@code bbox} is [x, y, w, h] of its pixels. */
  public record SegmentInfo(int id, int categoryId, int[] bbox, long area) {}

  /** One image: the picture, its panoptic PNG and its segments in id-map order. */
  public record Rendered(BufferedImage image, PanopticPng png, List<SegmentInfo> segments) {}

  /** What was written. */
  public record Summary(Path root, int trainImages, int valImages, int segments, int classes) {}

  /** The horizon row of a scene: from 35% to 65% of its height, set by its background angle. */
  static int horizon(SyntheticShapes.Scene s) {
    return (int) Math.round(s.height() * (0.35 + 0.3 * s.background().angle() / (2 * Math.PI)));
  }

  /** Draws a scene's image and panoptic segmentation. */
  public static Rendered render(SyntheticShapes.Scene s) {
    int w = s.width(), h = s.height(), horizon = horizon(s);
    List<SyntheticShapes.SceneObject> objects = s.objects();
    // slot per pixel: 0 sky, 1 ground, 2 + k the k-th shape; later shapes cover earlier ones
    BufferedImage slots = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = slots.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
    g.setColor(new Color(1));
    g.fillRect(0, horizon, w, h - horizon);
    for (int k = 0; k < objects.size(); k++) {
      SyntheticShapes.SceneObject o = objects.get(k);
      g.setColor(new Color(2 + k));
      g.fill(o.kind().outline(o.x(), o.y(), o.w(), o.h(), o.shape()));
    }
    g.dispose();
    int n = 2 + objects.size();
    int[] category = new int[n], segmentId = new int[n], rgb = new int[n];
    category[0] = SKY;
    category[1] = GROUND;
    rgb[0] = s.background().from();
    rgb[1] = s.background().to();
    for (int k = 0; k < objects.size(); k++) {
      category[2 + k] = objects.get(k).kind().categoryId();
      rgb[2 + k] = objects.get(k).rgb();
    }
    int[] perCategory = new int[NUM_CLASSES];
    for (int k = 0; k < n; k++) {
      segmentId[k] = category[k] * 1000 + ++perCategory[category[k]];
    }
    int[] ids = new int[w * h];
    int[] x0 = new int[n], y0 = new int[n], x1 = new int[n], y1 = new int[n];
    long[] area = new long[n];
    Arrays.fill(x0, Integer.MAX_VALUE);
    Arrays.fill(y0, Integer.MAX_VALUE);
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    SplittableRandom noise = new SplittableRandom(s.background().noiseSeed());
    int amplitude = s.background().noise();
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int k = slots.getRGB(x, y) & 0xffffff;
        ids[y * w + x] = segmentId[k];
        area[k]++;
        x0[k] = Math.min(x0[k], x);
        y0[k] = Math.min(y0[k], y);
        x1[k] = Math.max(x1[k], x);
        y1[k] = Math.max(y1[k], y);
        int d = noise.nextInt(-amplitude, amplitude + 1);
        image.setRGB(x, y, channel(rgb[k], 16, d) << 16 | channel(rgb[k], 8, d) << 8
            | channel(rgb[k], 0, d));
      }
    }
    List<SegmentInfo> segments = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      if (area[k] > 0) {
        segments.add(new SegmentInfo(segmentId[k], category[k],
            new int[] {x0[k], y0[k], x1[k] - x0[k] + 1, y1[k] - y0[k] + 1}, area[k]));
      }
    }
    return new Rendered(image, new PanopticPng(w, h, ids), List.copyOf(segments));
  }

  private static int channel(int rgb, int shift, int delta) {
    return Math.max(0, Math.min(255, ((rgb >> shift) & 0xff) + delta));
  }

  /** Writes both splits under {@code root}; {@code c.format()} must be jpg (the reader's). */
  public static Summary write(Path root, SynthConfig c, boolean overwrite) throws IOException {
    if (!c.format().equals("jpg")) {
      throw new IllegalArgumentException("a panoptic dataset's images are JPEG (the PNGs hold the"
          + " segmentation), got format " + c.format());
    }
    Path annotations = root.resolve("annotations");
    for (String split : SPLITS) {
      Path file = annotations.resolve("panoptic_" + split + "2017.json");
      if (Files.exists(file) && !overwrite) {
        throw new IOException(file + " exists: " + root + " already holds a dataset (use --force)");
      }
    }
    Files.createDirectories(annotations);
    int[] counts = {c.train(), c.val()};
    int segments = 0;
    for (int s = 0; s < 2; s++) {
      Path images = Files.createDirectories(root.resolve(SPLITS[s] + "2017"));
      Path pngs = Files.createDirectories(root.resolve("panoptic_" + SPLITS[s] + "2017"));
      int split = s;
      Entry[] rendered = IntStream.range(0, counts[s]).parallel().mapToObj(i -> {
        Rendered r = render(SyntheticShapes.scene(c, split, i));
        try {
          AtomicFiles.writeBytes(images.resolve(SyntheticDataset.fileName(i, "jpg")),
              SyntheticDataset.encode(r.image(), "jpg"));
          AtomicFiles.writeBytes(pngs.resolve(SyntheticDataset.fileName(i, "png")),
              r.png().encode());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return new Entry(r.png().width(), r.png().height(), r.segments());
      }).toArray(Entry[]::new);
      for (Entry e : rendered) {
        segments += e.segments().size();
      }
      AtomicFiles.writeStream(annotations.resolve("panoptic_" + SPLITS[s] + "2017.json"),
          out -> writeJson(out, rendered, c));
    }
    return new Summary(root, c.train(), c.val(), segments, c.classes());
  }

  /** What the JSON records of one written image. */
  private record Entry(int width, int height, List<SegmentInfo> segments) {}

  private static void writeJson(OutputStream out, Entry[] images, SynthConfig c)
      throws IOException {
    try (JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeObjectFieldStart("info");
      g.writeStringField("description", "jdetr synthetic panoptic shapes");
      g.writeNumberField("seed", c.seed());
      g.writeEndObject();
      g.writeArrayFieldStart("licenses");
      g.writeEndArray();
      g.writeArrayFieldStart("images");
      for (int i = 0; i < images.length; i++) {
        g.writeStartObject();
        g.writeNumberField("id", i + 1);
        g.writeStringField("file_name", SyntheticDataset.fileName(i, "jpg"));
        g.writeNumberField("width", images[i].width());
        g.writeNumberField("height", images[i].height());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("annotations");
      for (int i = 0; i < images.length; i++) {
        g.writeStartObject();
        g.writeArrayFieldStart("segments_info");
        for (SegmentInfo s : images[i].segments()) {
          g.writeStartObject();
          g.writeNumberField("id", s.id());
          g.writeNumberField("category_id", s.categoryId());
          g.writeNumberField("iscrowd", 0);
          g.writeArrayFieldStart("bbox");
          for (int v : s.bbox()) {
            g.writeNumber(v);
          }
          g.writeEndArray();
          g.writeNumberField("area", s.area());
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeStringField("file_name", SyntheticDataset.fileName(i, "png"));
        g.writeNumberField("image_id", i + 1);
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("categories");
      for (int k = 0; k < c.classes(); k++) {
        category(g, ShapeKind.values()[k].categoryId(), ShapeKind.values()[k].label(), "shape", 1);
      }
      category(g, SKY, "sky", "stuff", 0);
      category(g, GROUND, "ground", "stuff", 0);
      g.writeEndArray();
      g.writeEndObject();
    }
  }

  private static void category(JsonGenerator g, int id, String name, String supercategory,
      int isThing) throws IOException {
    g.writeStartObject();
    g.writeNumberField("id", id);
    g.writeStringField("name", name);
    g.writeStringField("supercategory", supercategory);
    g.writeNumberField("isthing", isThing);
    g.writeEndObject();
  }
}

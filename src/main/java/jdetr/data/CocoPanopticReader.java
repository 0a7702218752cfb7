package jdetr.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import jdetr.data.PanopticAnnotationFile.Category;
import jdetr.data.PanopticAnnotationFile.Image;
import jdetr.data.PanopticAnnotationFile.ImageAnnotation;
import jdetr.data.PanopticAnnotationFile.Segment;

/**
 * A COCO panoptic split as the reference's {@code CocoPanoptic} reads it: item {@code i} is
 * {@code annotations[i]}, which must name the same file as the i-th image by id (the reference
 * asserts this); its image is the annotation's {@code file_name} with {@code .jpg}, its masks come
 * from the PNG by segment id. Disagreements between the PNG, the JSON and the image are refused
 * with the files and ids named: a PNG id the JSON does not list, a listed segment absent from the
 * PNG, an unknown category, a PNG of another size than its image.
 */
public final class CocoPanopticReader {
  /**
   * Where a split lives.
   *
   * @param annotations {@code panoptic_<split>2017.json}
   * @param segmentations the folder of its PNGs
   * @param images the folder of the JPEG images
   */
  public record Layout(Path annotations, Path segmentations, Path images) {
    /**
     * The reference's layout: images in {@code <coco>/<split>2017/}, annotations in
     * {@code <panoptic>/annotations/panoptic_<split>2017.json} and PNGs in
     * {@code <panoptic>/panoptic_<split>2017/}.
     */
    public static Layout coco2017(Path coco, Path panoptic, String split) {
      return new Layout(panoptic.resolve("annotations").resolve("panoptic_" + split + "2017.json"),
          panoptic.resolve("panoptic_" + split + "2017"), coco.resolve(split + "2017"));
    }
  }

  private final Layout layout;
  private final PanopticAnnotationFile file;
  private final Map<Integer, Category> categories;

  private CocoPanopticReader(Layout layout, PanopticAnnotationFile file) {
    this.layout = layout;
    this.file = file;
    this.categories = file.categoryById();
  }

  /** Reads the JSON and checks that its annotations follow its images sorted by id. */
  public static CocoPanopticReader open(Layout layout) throws IOException {
    for (Path folder : List.of(layout.segmentations(), layout.images())) {
      if (!Files.isDirectory(folder)) {
        throw new FileNotFoundException("COCO panoptic folder not found: " + folder);
      }
    }
    PanopticAnnotationFile file = PanopticAnnotationFile.read(layout.annotations(), true);
    List<Image> images = new ArrayList<>(file.images());
    images.sort(Comparator.comparingLong(Image::id));
    List<ImageAnnotation> annotations = file.annotations();
    if (images.size() != annotations.size()) {
      throw new CocoFormatException(layout.annotations() + ": " + images.size() + " images but "
          + annotations.size() + " annotations; every image needs its segments_info");
    }
    for (int i = 0; i < images.size(); i++) {
      String image = images.get(i).fileName(), png = annotations.get(i).fileName();
      if (!stem(image).equals(stem(png))) {
        throw new CocoFormatException(layout.annotations() + ": annotations[" + i + "] ("
            + png + ") is not for the image " + i + " by id (" + image + ", id "
            + images.get(i).id() + "); annotations must follow the images sorted by id");
      }
    }
    return new CocoPanopticReader(layout, file);
  }

  private static String stem(String name) {
    return name.length() >= 4 ? name.substring(0, name.length() - 4) : "";
  }

  /** Number of images. */
  public int size() {
    return file.annotations().size();
  }

  /** The categories, in file order. */
  public List<Category> categories() {
    return file.categories();
  }

  /** Item {@code index}: its image file and target. */
  public PanopticTarget target(int index) throws IOException {
    ImageAnnotation a = file.annotations().get(index);
    Path pngPath = a.png(layout.segmentations());
    Path image = PanopticAnnotationFile.inside(layout.images(),
        a.fileName().replace(".png", ".jpg"), a.imageId());
    if (!Files.isRegularFile(image)) {
      throw new FileNotFoundException("image " + a.imageId() + ": " + image + " not found");
    }
    ImageHeader header = ImageHeader.read(image);
    PanopticPng png = PanopticPng.read(pngPath);
    if (png.width() != header.width() || png.height() != header.height()) {
      throw new CocoFormatException("image " + a.imageId() + ": " + pngPath + " is "
          + png.width() + "x" + png.height() + " but " + image + " is " + header.width() + "x"
          + header.height());
    }
    List<Segment> segments = a.segments();
    int n = segments.size();
    Map<Long, Integer> byId = new HashMap<>();
    long[] ids = new long[n];
    int[] labels = new int[n], iscrowd = new int[n];
    long[] area = new long[n];
    for (int k = 0; k < n; k++) {
      Segment s = segments.get(k);
      if (!categories.containsKey(s.categoryId())) {
        throw new CocoFormatException(layout.annotations() + ": image " + a.imageId()
            + ", segment " + s.id() + ": unknown category_id " + s.categoryId());
      }
      byId.put(s.id(), k);
      ids[k] = s.id();
      labels[k] = s.categoryId();
      iscrowd[k] = s.iscrowd();
      area[k] = s.area();
    }
    float[] boxes = boxes(png, byId, n, a, pngPath);
    return new PanopticTarget(a.imageId(), image, png.height(), png.width(), ids, labels, boxes,
        iscrowd, area, png);
  }

  /** masks_to_boxes over every segment in one pass; refuses ids the JSON and PNG disagree on. */
  private float[] boxes(PanopticPng png, Map<Long, Integer> index, int n, ImageAnnotation a,
      Path pngPath) throws CocoFormatException {
    int[] x0 = new int[n], y0 = new int[n], x1 = new int[n], y1 = new int[n];
    Arrays.fill(x0, Integer.MAX_VALUE);
    Arrays.fill(y0, Integer.MAX_VALUE);
    Arrays.fill(x1, -1);
    Arrays.fill(y1, -1);
    TreeSet<Integer> unlisted = new TreeSet<>();
    int w = png.width();
    int[] ids = png.ids();
    for (int p = 0; p < ids.length; p++) {
      Integer k = index.get((long) ids[p]);
      if (k == null) {
        if (ids[p] != 0) {
          unlisted.add(ids[p]);
        }
        continue;
      }
      int x = p % w, y = p / w;
      x0[k] = Math.min(x0[k], x);
      x1[k] = Math.max(x1[k], x);
      y0[k] = Math.min(y0[k], y);
      y1[k] = Math.max(y1[k], y);
    }
    if (!unlisted.isEmpty()) {
      throw new CocoFormatException("image " + a.imageId() + ": segment ids " + unlisted
          + " are in " + pngPath + " but not in the segments_info of " + layout.annotations());
    }
    List<Long> absent = new ArrayList<>();
    float[] boxes = new float[4 * n];
    for (int k = 0; k < n; k++) {
      if (x1[k] < 0) {
        absent.add(a.segments().get(k).id());
        continue;
      }
      boxes[4 * k] = x0[k];
      boxes[4 * k + 1] = y0[k];
      boxes[4 * k + 2] = x1[k];
      boxes[4 * k + 3] = y1[k];
    }
    if (!absent.isEmpty()) {
      throw new CocoFormatException("image " + a.imageId() + ": segments " + absent + " of "
          + layout.annotations() + " cover no pixel of " + pngPath);
    }
    return boxes;
  }
}

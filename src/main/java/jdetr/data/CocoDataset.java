package jdetr.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jdetr.mask.Rle;
import jdetr.mask.Segmentation;

/**
 * A COCO-format detection dataset: the annotations file plus the image folder. Index {@code i}
 * is the i-th image id in ascending order (torchvision's {@code CocoDetection} order); its target
 * is prepared exactly as the reference's {@code ConvertCocoPolysToMask}, with instance masks when
 * the dataset was opened {@link #withMasks} (the reference's {@code return_masks}). A COCO panoptic
 * split ({@link CocoPaths#panoptic}) takes its targets from the PNGs as the reference's {@code
 * CocoPanoptic}, masks always included; its annotations file is the instances view of it.
 */
public final class CocoDataset {
  private final CocoAnnotationFile groundTruth;
  private final Path imageFolder;
  private final Path normalizedFolder;
  private final CocoSegmentations segmentations;
  private final CocoPanopticReader panoptic;

  public CocoDataset(CocoAnnotationFile groundTruth, Path imageFolder) {
    this(groundTruth, imageFolder, null, null);
  }

  private CocoDataset(CocoAnnotationFile groundTruth, Path imageFolder,
      CocoSegmentations segmentations, CocoPanopticReader panoptic) {
    this.groundTruth = groundTruth;
    this.imageFolder = imageFolder;
    this.normalizedFolder = imageFolder.toAbsolutePath().normalize();
    this.segmentations = segmentations;
    this.panoptic = panoptic;
  }

  /**
   * This dataset with instance masks in every target (the annotations file's segmentations, read
   * once per parsed file by {@link CocoSegmentations#of}); {@code masks} false gives this dataset
   * as it is.
   */
  public CocoDataset withMasks(boolean masks) throws IOException {
    if (!masks || segmentations != null || panoptic != null) return this;
    return new CocoDataset(groundTruth, imageFolder, CocoSegmentations.of(groundTruth), null);
  }

  /** Whether targets carry instance masks. */
  public boolean masks() {
    return segmentations != null || panoptic != null;
  }

  /** Whether this is a COCO panoptic split (targets from its PNGs). */
  public boolean panoptic() {
    return panoptic != null;
  }

  /** The segmentations of the annotations, or null when masks were not requested. */
  public CocoSegmentations segmentations() {
    return segmentations;
  }

  /** The dataset of a split; its annotations file is parsed once per process. */
  public static CocoDataset open(CocoPaths paths) throws IOException {
    CocoAnnotationFile file = CocoAnnotationCache.load(paths.annotations());
    if (paths.panoptic() != null) {
      CocoPanopticReader reader = CocoPanopticReader.open(paths.panoptic());
      if (reader.size() != file.imageCount()) {
        throw new CocoFormatException(paths.annotations() + ": " + file.imageCount()
            + " images, but " + paths.panoptic().annotations() + " has " + reader.size()
            + "; delete the former to derive it again");
      }
      return new CocoDataset(file, paths.images(), null, reader);
    }
    return new CocoDataset(file, paths.images());
  }

  public CocoAnnotationFile groundTruth() {
    return groundTruth;
  }

  public Path imageFolder() {
    return imageFolder;
  }

  public int size() {
    return groundTruth.imageCount();
  }

  public long imageId(int index) {
    return groundTruth.imageId(index);
  }

  /** {@code max category id + 1} (DETR's rule); a recipe may set a larger value instead. */
  public int numClasses() {
    return groundTruth.numClasses();
  }

  public Map<Integer, String> categoryNames() {
    return groundTruth.categoryNames();
  }

  /** The file of the image at {@code index}; refuses names that leave the image folder. */
  public Path imageFile(int index) {
    int position = groundTruth.imagePosition(index);
    String name = groundTruth.images().fileNames()[position];
    if (name == null) {
      throw new IllegalStateException(groundTruth.source() + ": image " + imageId(index)
          + " has no file_name");
    }
    Path file = resolveInside(name);
    if (file == null) {
      throw new IllegalStateException(groundTruth.source() + ": image " + imageId(index)
          + " file_name " + name + " leaves the image folder " + imageFolder);
    }
    return file;
  }

  /** {@code folder/name} if it stays inside the image folder, else null. */
  Path resolveInside(String name) {
    Path file;
    try {
      file = normalizedFolder.resolve(name).normalize();
    } catch (java.nio.file.InvalidPathException e) {
      return null;
    }
    return file.startsWith(normalizedFolder) && !file.equals(normalizedFolder) ? file : null;
  }

  /** Decodes the image at {@code index} and prepares its target. */
  public Example load(int index, ImageDecoder decoder) throws IOException {
    RgbImage image = decoder.decode(imageFile(index));
    if (panoptic != null) {
      PanopticTarget t = panoptic.target(index);
      if (t.imageId() != imageId(index) || t.width() != image.width()
          || t.height() != image.height()) {
        throw new CocoFormatException("image " + t.imageId() + " (" + t.image() + "): "
            + t.width() + "x" + t.height() + " in its PNG, the dataset's image " + imageId(index)
            + " decodes to " + image.width() + "x" + image.height());
      }
      return new Example(image, t.pixelTarget());
    }
    return new Example(image, target(index, image.width(), image.height()));
  }

  /**
   * The target of the image at {@code index} on an image of {@code width x height} pixels (the
   * decoded size), as {@code ConvertCocoPolysToMask}: crowd objects dropped; xywh to xyxy in
   * float32; x clamped to [0, width], y to [0, height]; objects kept when x1 > x0 and y1 > y0;
   * labels are raw category ids; area as annotated. With masks, each kept object's mask as {@code
   * convert_coco_poly_to_mask}: polygons rasterised on the {@code height x width} image and merged,
   * an RLE (list or compressed counts) decoded as it is; it must be of the image's size.
   *
   * @throws IllegalStateException naming the file, the annotation and its id when an object's
   *     segmentation is missing, malformed or of another size than the image
   */
  public PixelTarget target(int index, int width, int height) {
    CocoAnnotations a = groundTruth.annotations();
    int[] objects = groundTruth.annotationsOf(index);
    int n = 0;
    float[] boxes = new float[4 * objects.length];
    int[] labels = new int[objects.length];
    float[] area = new float[objects.length];
    float w = width, h = height;
    List<Rle> masks = segmentations == null ? null : new ArrayList<>(objects.length);
    for (int k : objects) {
      if (a.crowd()[k] || (a.defects()[k] & CocoAnnotations.REQUIRED) != 0) continue;
      float x0 = (float) a.bboxes()[4 * k], y0 = (float) a.bboxes()[4 * k + 1];
      float x1 = x0 + (float) a.bboxes()[4 * k + 2], y1 = y0 + (float) a.bboxes()[4 * k + 3];
      x0 = Math.min(Math.max(x0, 0f), w);
      x1 = Math.min(Math.max(x1, 0f), w);
      y0 = Math.min(Math.max(y0, 0f), h);
      y1 = Math.min(Math.max(y1, 0f), h);
      if (!(y1 > y0 && x1 > x0)) continue;
      boxes[4 * n] = x0;
      boxes[4 * n + 1] = y0;
      boxes[4 * n + 2] = x1;
      boxes[4 * n + 3] = y1;
      labels[n] = a.categoryIds()[k];
      double annotated = a.areas()[k];
      area[n] = (float) (Double.isNaN(annotated)
          ? a.bboxes()[4 * k + 2] * a.bboxes()[4 * k + 3] : annotated);
      if (masks != null) masks.add(mask(k, height, width));
      n++;
    }
    return new PixelTarget(imageId(index), java.util.Arrays.copyOf(labels, n),
        java.util.Arrays.copyOf(boxes, 4 * n), java.util.Arrays.copyOf(area, n), new boolean[n],
        height, width, height, width,
        masks == null ? null : InstanceMasks.of(masks, height, width));
  }

  /** Annotation entry {@code k}'s mask on a {@code height x width} image. */
  private Rle mask(int k, int height, int width) {
    SegmentationFormatException problem = segmentations.problem(k);
    if (problem != null) throw new IllegalStateException(problem.getMessage(), problem);
    Segmentation s = segmentations.segmentation(k);
    String who = groundTruth.source() + ": annotations[" + k + "] (id "
        + groundTruth.annotations().ids()[k] + ")";
    if (s == null) {
      throw new IllegalStateException(who + ": field 'segmentation' is missing (masks requested)");
    }
    try {
      return s.toRle(height, width);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(who + ": field 'segmentation.size' " + e.getMessage(), e);
    }
  }
}

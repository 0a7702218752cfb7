package jdetr.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import jdetr.mask.Rle;
import jdetr.mask.Segmentation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a COCO-format dataset before training: the annotations against the rules V1-V20 (and the
 * segmentations against V21-V24 when the dataset carries masks), and each
 * image file's header against F1-F5 (missing, unreadable, truncated, too large, size disagreeing
 * with the JSON). No pixel is decoded.
 */
public final class DatasetValidation {
  private static final Logger LOG = LoggerFactory.getLogger(DatasetValidation.class);

  private final Map<ValidationRule, Tally> tallies = new EnumMap<>(ValidationRule.class);

  private DatasetValidation() {}

  /**
   * Validates and logs the report; throws {@link DatasetValidationException} when training must
   * not start (ERROR findings, or any finding in strict mode).
   */
  public static ValidationReport check(CocoDataset dataset, ValidationOptions options) {
    ValidationReport report = validate(dataset, options);
    if (!report.passes(options.strict())) {
      throw new DatasetValidationException(report, options.strict());
    }
    if (report.findings().isEmpty()) LOG.info("{}", report.format());
    else LOG.warn("{}", report.format());
    return report;
  }

  public static ValidationReport validate(CocoDataset dataset, ValidationOptions options) {
    DatasetValidation v = new DatasetValidation();
    CocoAnnotationFile gt = dataset.groundTruth();
    if (!gt.hasImages()) v.add(ValidationRule.V1, "images");
    if (!gt.hasAnnotations()) v.add(ValidationRule.V1, "annotations");
    if (!gt.hasCategories()) v.add(ValidationRule.V1, "categories");
    v.images(dataset);
    int[] categoryIds = v.categories(gt.categories(),
        options.numClasses() > 0 ? options.numClasses() : gt.numClasses());
    v.annotations(gt, categoryIds);
    if (dataset.segmentations() != null) v.segmentations(gt, dataset.segmentations());
    if (options.checkFiles()) v.files(dataset, options.limits());
    int withoutObjects = 0;
    for (int i = 0; i < gt.imageCount(); i++) {
      if (gt.annotationsOf(i).length == 0) withoutObjects++;
    }
    List<ValidationFinding> findings = new ArrayList<>();
    v.tallies.forEach((rule, t) -> findings.add(new ValidationFinding(rule, t.count, t.examples)));
    return new ValidationReport(gt.source(), gt.images().size(), gt.annotations().size(),
        gt.categories().size(), withoutObjects, options.checkFiles(), findings);
  }

  private void images(CocoDataset dataset) {
    CocoImages im = dataset.groundTruth().images();
    for (int i = 0; i < im.size(); i++) {
      byte d = im.defects()[i];
      String who = (d & CocoImages.MISSING_ID) == 0 ? Long.toString(im.ids()[i]) : "images[" + i + "]";
      if (d != 0) add(ValidationRule.V2, who + ": " + CocoImages.describe(d));
      if ((d & CocoImages.MISSING_ID) == 0 && im.ids()[i] <= 0) add(ValidationRule.V20, "image " + who);
      boolean sized = (d & (CocoImages.MISSING_WIDTH | CocoImages.MISSING_HEIGHT)) == 0;
      if (sized && (im.widths()[i] <= 0 || im.heights()[i] <= 0)) {
        add(ValidationRule.V15, who + ": " + im.widths()[i] + "x" + im.heights()[i]);
      }
      String name = im.fileNames()[i];
      if (name != null && dataset.resolveInside(name) == null) {
        add(ValidationRule.V18, who + ": " + name);
      }
    }
    duplicates(im.ids(), im.size(), id -> (im.defects()[id] & CocoImages.MISSING_ID) == 0,
        ValidationRule.V5);
  }

  /** Checks the categories; returns their ids, sorted, for look-ups. */
  private int[] categories(CocoCategories c, int numClasses) {
    for (int i = 0; i < c.size(); i++) {
      byte d = c.defects()[i];
      String who = (d & CocoCategories.MISSING_ID) == 0 ? Integer.toString(c.ids()[i])
          : "categories[" + i + "]";
      if (d != 0) add(ValidationRule.V4, who + ": " + CocoCategories.describe(d));
      if ((d & CocoCategories.MISSING_ID) == 0 && (c.ids()[i] < 0 || c.ids()[i] >= numClasses)) {
        add(ValidationRule.V10, who + " (num_classes " + numClasses + ")");
      }
    }
    long[] ids = Arrays.stream(c.ids()).asLongStream().toArray();
    duplicates(ids, c.size(), i -> (c.defects()[i] & CocoCategories.MISSING_ID) == 0,
        ValidationRule.V7);
    return IntStream.range(0, c.size())
        .filter(i -> (c.defects()[i] & CocoCategories.MISSING_ID) == 0)
        .map(i -> c.ids()[i]).sorted().toArray();
  }

  private void annotations(CocoAnnotationFile gt, int[] categoryIds) {
    CocoAnnotations a = gt.annotations();
    CocoImages im = gt.images();
    double[] b = a.bboxes();
    for (int k = 0; k < a.size(); k++) {
      byte d = a.defects()[k];
      String who = (d & CocoAnnotations.MISSING_ID) == 0 ? Long.toString(a.ids()[k])
          : "annotations[" + k + "]";
      if ((d & CocoAnnotations.REQUIRED) != 0) {
        add(ValidationRule.V3, who + ": " + CocoAnnotations.describe(d));
        continue;
      }
      if ((d & CocoAnnotations.BAD_ISCROWD) != 0) add(ValidationRule.V17, who);
      if ((d & CocoAnnotations.MISSING_ID) == 0 && a.ids()[k] <= 0) add(ValidationRule.V20, "annotation " + who);
      double area = a.areas()[k];
      if ((d & CocoAnnotations.MISSING_AREA) != 0 || !(area >= 0) || Double.isInfinite(area)) {
        add(ValidationRule.V16, who);
      }
      if (Arrays.binarySearch(categoryIds, a.categoryIds()[k]) < 0) {
        add(ValidationRule.V9, who + ": category " + a.categoryIds()[k]);
      }
      int index = gt.indexOfImage(a.imageIds()[k]);
      if (index < 0) {
        add(ValidationRule.V8, who + ": image " + a.imageIds()[k]);
      }
      double x = b[4 * k], y = b[4 * k + 1], w = b[4 * k + 2], h = b[4 * k + 3];
      if (!Double.isFinite(x) || !Double.isFinite(y) || !Double.isFinite(w) || !Double.isFinite(h)) {
        add(ValidationRule.V11, who);
        continue;
      }
      if (w < 0 || h < 0) {
        add(ValidationRule.V19, who + ": " + w + "x" + h);
        continue;
      }
      if (w == 0 || h == 0) {
        add(ValidationRule.V12, who + ": " + w + "x" + h);
        continue;
      }
      if (index < 0) continue;
      int p = gt.imagePosition(index);
      if ((im.defects()[p] & (CocoImages.MISSING_WIDTH | CocoImages.MISSING_HEIGHT)) != 0) continue;
      int iw = im.widths()[p], ih = im.heights()[p];
      if (iw <= 0 || ih <= 0) continue;
      if (x >= iw || y >= ih || x + w <= 0 || y + h <= 0) {
        add(ValidationRule.V14, who);
      } else if (x < 0 || y < 0 || x + w > iw || y + h > ih) {
        add(ValidationRule.V13, who);
      }
    }
    duplicates(a.ids(), a.size(), i -> (a.defects()[i] & CocoAnnotations.MISSING_ID) == 0,
        ValidationRule.V6);
  }

  /**
   * V21-V24 on every well-formed annotation of a known image: its segmentation must be readable
   * and, when it is an RLE, of the image's size (the JSON's; F5 compares that with the file).
   */
  private void segmentations(CocoAnnotationFile gt, CocoSegmentations s) {
    CocoAnnotations a = gt.annotations();
    CocoImages im = gt.images();
    for (int k = 0; k < a.size(); k++) {
      if ((a.defects()[k] & CocoAnnotations.REQUIRED) != 0) continue; // V3 already
      SegmentationFormatException problem = s.problem(k);
      if (problem != null) {
        String m = problem.getMessage(), file = gt.source() + ": ";
        add(problem.inRle() ? ValidationRule.V23 : ValidationRule.V21,
            m.startsWith(file) ? m.substring(file.length()) : m);
        continue;
      }
      String who = a.ids()[k] + " (annotations[" + k + "])";
      Segmentation seg = s.segmentation(k);
      if (seg == null) {
        if (!a.crowd()[k]) add(ValidationRule.V24, who);
        continue;
      }
      int index = gt.indexOfImage(a.imageIds()[k]);
      if (index < 0) continue; // V8 already
      int p = gt.imagePosition(index);
      if ((im.defects()[p] & (CocoImages.MISSING_WIDTH | CocoImages.MISSING_HEIGHT)) != 0) continue;
      int h = im.heights()[p], w = im.widths()[p];
      Rle rle = seg instanceof Segmentation.UncompressedRle u ? u.rle()
          : seg instanceof Segmentation.CompressedRle c ? c.rle() : null;
      if (rle != null && (rle.height() != h || rle.width() != w)) {
        add(ValidationRule.V22, who + ": field 'segmentation.size' [" + rle.height() + ", "
            + rle.width() + "], image " + a.imageIds()[k] + " [" + h + ", " + w + "]");
      }
    }
  }

  /** Reads every image header (in parallel), then tallies in dataset order. */
  private void files(CocoDataset dataset, ImageLimits limits) {
    CocoAnnotationFile gt = dataset.groundTruth();
    CocoImages im = gt.images();
    String[] problems = new String[gt.imageCount()];
    ValidationRule[] rules = new ValidationRule[gt.imageCount()];
    IntStream.range(0, gt.imageCount()).parallel().forEach(i -> {
      int p = gt.imagePosition(i);
      String name = im.fileNames()[p];
      Path file = name == null ? null : dataset.resolveInside(name);
      if (file == null) return; // V2 / V18 already
      try {
        limits.checkFileSize(name, Files.size(file));
        ImageHeader header = ImageHeader.read(file);
        limits.check(name, header);
        boolean sized = (im.defects()[p] & (CocoImages.MISSING_WIDTH | CocoImages.MISSING_HEIGHT)) == 0
            && im.widths()[p] > 0 && im.heights()[p] > 0; // else V2 / V15 already
        if (sized && (header.width() != im.widths()[p] || header.height() != im.heights()[p])) {
          rules[i] = ValidationRule.F5;
          problems[i] = "file " + header.width() + "x" + header.height() + ", JSON "
              + im.widths()[p] + "x" + im.heights()[p];
        }
      } catch (ImageRejectedException e) {
        rules[i] = ruleOf(e.reason());
        problems[i] = e.reason();
      } catch (java.nio.file.NoSuchFileException e) {
        rules[i] = ValidationRule.F1;
        problems[i] = "missing";
      } catch (IOException e) {
        rules[i] = ValidationRule.F2;
        problems[i] = "unreadable(" + e.getClass().getSimpleName() + ")";
      }
    });
    for (int i = 0; i < problems.length; i++) {
      if (rules[i] != null) {
        add(rules[i], gt.imageId(i) + " (" + im.fileNames()[gt.imagePosition(i)] + "): "
            + problems[i]);
      }
    }
  }

  private static ValidationRule ruleOf(String reason) {
    if (reason.equals("missing")) return ValidationRule.F1;
    if (reason.startsWith("truncated")) return ValidationRule.F3;
    if (reason.startsWith("too_many_pixels") || reason.startsWith("file_too_large")) {
      return ValidationRule.F4;
    }
    return ValidationRule.F2;
  }

  /** Each entry whose id an earlier entry already used. */
  private void duplicates(long[] ids, int size, java.util.function.IntPredicate valid,
      ValidationRule rule) {
    int[] positions = IntStream.range(0, size).filter(valid).toArray();
    long[] keys = new long[positions.length];
    for (int k = 0; k < positions.length; k++) keys[k] = ids[positions[k]];
    int[] order = StableOrder.ascending(keys, keys.length);
    List<Integer> repeats = new ArrayList<>();
    for (int k = 1; k < order.length; k++) {
      if (keys[order[k - 1]] == keys[order[k]]) repeats.add(positions[order[k]]);
    }
    repeats.sort(null); // report in file order
    for (int position : repeats) add(rule, Long.toString(ids[position]));
  }

  private void add(ValidationRule rule, String example) {
    Tally t = tallies.computeIfAbsent(rule, r -> new Tally());
    t.count++;
    if (t.examples.size() < ValidationFinding.EXAMPLES) t.examples.add(example);
  }

  private static final class Tally {
    int count;
    final List<String> examples = new ArrayList<>();
  }
}

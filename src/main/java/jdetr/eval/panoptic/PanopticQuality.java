package jdetr.eval.panoptic;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import jdetr.data.CocoFormatException;
import jdetr.data.PanopticAnnotationFile;
import jdetr.data.PanopticAnnotationFile.Category;
import jdetr.data.PanopticAnnotationFile.ImageAnnotation;
import jdetr.data.PanopticAnnotationFile.Segment;
import jdetr.data.PanopticPng;

/**
 * Panoptic quality of predictions against a COCO panoptic ground truth, computed as panopticapi's
 * {@code pq_compute} does: a ground-truth and a predicted segment of the same category match when
 * their IoU is over 0.5, where the union leaves out the prediction's VOID pixels (id 0); crowd
 * segments never match and are not false negatives; an unmatched prediction lying more than half
 * on VOID or on the crowd region of its category is not a false positive. Ground-truth areas come
 * from the JSON, predicted areas from the PNG.
 *
 * <p>panopticapi's refusals are kept, with the file and the ids named: a predicted segment in the
 * PNG and not in the JSON, or in the JSON and not in the PNG; an unknown {@code category_id}; an
 * image without prediction; a missing folder or PNG. The ground truth is held to the same rules
 * (panopticapi does not check them there), and a ground-truth segment may not have id 0 (VOID).
 */
public final class PanopticQuality {
  private static final int VOID = 0;

  private PanopticQuality() {}

  /**
   * Evaluates {@code dtJson} (PNGs in {@code dtFolder}) against {@code gtJson} (PNGs in
   * {@code gtFolder}), images on {@code threads} threads.
   */
  public static PanopticResult compute(Path gtJson, Path gtFolder, Path dtJson, Path dtFolder,
      int threads) throws IOException {
    PanopticAnnotationFile gt = PanopticAnnotationFile.read(gtJson, true);
    PanopticAnnotationFile dt = PanopticAnnotationFile.read(dtJson, false);
    requireFolder(gtFolder, "ground truth");
    requireFolder(dtFolder, "predicted");
    Map<Long, ImageAnnotation> predictions = new HashMap<>();
    dt.annotations().forEach(a -> predictions.put(a.imageId(), a));
    List<ImageAnnotation[]> pairs = new ArrayList<>();
    for (ImageAnnotation g : gt.annotations()) {
      ImageAnnotation p = predictions.get(g.imageId());
      if (p == null) {
        throw new CocoFormatException(dtJson + ": no prediction for the image with id "
            + g.imageId() + " (" + g.fileName() + " in " + gtJson + ")");
      }
      pairs.add(new ImageAnnotation[] {g, p});
    }
    Map<Integer, Category> categories = gt.categoryById();
    Object[] perImage = new Object[pairs.size()];
    ForkJoinPool pool = new ForkJoinPool(Math.max(1, threads));
    try {
      pool.submit(() -> IntStream.range(0, pairs.size()).parallel().forEach(i -> {
        ImageAnnotation g = pairs.get(i)[0], p = pairs.get(i)[1];
        try {
          Path gtPng = g.png(gtFolder), dtPng = p.png(dtFolder);
          perImage[i] = evaluateImage(g, PanopticPng.read(gtPng), gtPng.toString(), p,
              PanopticPng.read(dtPng), dtPng.toString(), categories);
        } catch (IOException e) {
          perImage[i] = e;
        }
      })).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } finally {
      pool.shutdown();
    }
    PqStat total = new PqStat();
    for (Object o : perImage) {
      if (o instanceof IOException e) {
        throw e;
      }
      total.add((PqStat) o);
    }
    return total.result(gt.categories());
  }

  private static void requireFolder(Path folder, String what) throws FileNotFoundException {
    if (!Files.isDirectory(folder)) {
      throw new FileNotFoundException(
          "folder " + folder + " with " + what + " segmentations doesn't exist");
    }
  }

  /**
   * One image's counts (panopticapi's loop body of {@code pq_compute_single_core}); the names of
   * the PNGs appear in errors.
   */
  public static PqStat evaluateImage(ImageAnnotation gt, PanopticPng gtPng, String gtName,
      ImageAnnotation pred, PanopticPng predPng, String predName,
      Map<Integer, Category> categories) throws CocoFormatException {
    if (gtPng.width() != predPng.width() || gtPng.height() != predPng.height()) {
      throw new CocoFormatException("image " + gt.imageId() + ": the prediction " + predName
          + " is " + predPng.width() + "x" + predPng.height() + ", the ground truth " + gtName
          + " is " + gtPng.width() + "x" + gtPng.height());
    }
    List<Segment> gs = gt.segments(), ps = pred.segments();
    int g = gs.size(), p = ps.size();
    int[] gtOf = SegmentIndex.of(gs, gtPng, "ground truth", gtName, gt.imageId());
    int[] predOf = SegmentIndex.of(ps, predPng, "predicted", predName, gt.imageId());
    for (Segment s : gs) {
      requireCategory(s, categories, gtName, gt.imageId());
    }
    // counts[(gi) * (p + 1) + pi]: pixels of ground-truth segment gi (g: not a segment) and
    // predicted segment pi (p: not a segment); voidOf[pi]: pixels of pi where the ground truth is 0
    long[] counts = new long[(g + 1) * (p + 1)];
    long[] voidOf = new long[p + 1];
    long[] predArea = new long[p];
    long[] gtPixels = new long[g];
    int[] gtIds = gtPng.ids();
    for (int i = 0; i < gtIds.length; i++) {
      int gi = gtOf[i] < 0 ? g : gtOf[i];
      int pi = predOf[i] < 0 ? p : predOf[i];
      counts[gi * (p + 1) + pi]++;
      if (gtIds[i] == VOID) {
        voidOf[pi]++;
      }
      if (pi < p) {
        predArea[pi]++;
      }
      if (gi < g) {
        gtPixels[gi]++;
      }
    }
    SegmentIndex.requireAllPresent(gs, gtPixels, "ground truth", gtName, gt.imageId());
    SegmentIndex.requireAllPresent(ps, predArea, "predicted", predName, gt.imageId());
    for (Segment s : ps) {
      requireCategory(s, categories, predName, gt.imageId());
    }
    PqStat stat = new PqStat();
    boolean[] gtMatched = new boolean[g];
    boolean[] predMatched = new boolean[p];
    // panopticapi walks the (gt id, pred id) pairs in increasing order
    for (int gi : SegmentIndex.byId(gs)) {
      Segment gs1 = gs.get(gi);
      if (gs1.iscrowd() == 1) {
        continue;
      }
      for (int pi : SegmentIndex.byId(ps)) {
        long intersection = counts[gi * (p + 1) + pi];
        Segment ps1 = ps.get(pi);
        if (intersection == 0 || gs1.categoryId() != ps1.categoryId()) {
          continue;
        }
        long union = predArea[pi] + gs1.area() - intersection - voidOf[pi];
        double iou = (double) intersection / (double) union;
        if (iou > 0.5) {
          PqStatCat c = stat.get(gs1.categoryId());
          c.tp++;
          c.iou += iou;
          gtMatched[gi] = true;
          predMatched[pi] = true;
        }
      }
    }
    Map<Integer, Integer> crowdOf = new HashMap<>();
    for (int gi = 0; gi < g; gi++) {
      Segment s = gs.get(gi);
      if (gtMatched[gi]) {
        continue;
      }
      if (s.iscrowd() == 1) {
        crowdOf.put(s.categoryId(), gi);
        continue;
      }
      stat.get(s.categoryId()).fn++;
    }
    for (int pi = 0; pi < p; pi++) {
      if (predMatched[pi]) {
        continue;
      }
      Segment s = ps.get(pi);
      long intersection = voidOf[pi];
      Integer crowd = crowdOf.get(s.categoryId());
      if (crowd != null) {
        intersection += counts[crowd * (p + 1) + pi];
      }
      if ((double) intersection / (double) predArea[pi] > 0.5) {
        continue;
      }
      stat.get(s.categoryId()).fp++;
    }
    return stat;
  }

  private static void requireCategory(Segment s, Map<Integer, Category> categories, String png,
      long imageId) throws CocoFormatException {
    if (!categories.containsKey(s.categoryId())) {
      throw new CocoFormatException("In the image with ID " + imageId + " (" + png
          + ") segment with ID " + s.id() + " has unknown category_id " + s.categoryId());
    }
  }
}

package jdetr.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * COCO bounding-box and mask evaluation with pycocotools' semantics, number for number:
 * {@code evaluate()} ({@link ImageEvaluator}), {@code accumulate()} ({@link Accumulator}) and
 * {@code summarize()} ({@link CocoSummary}).
 *
 * <p>Categories are independent, so they are evaluated in parallel; every number is computed in
 * the same order as with one thread, so the result does not depend on the thread count.
 */
public final class CocoEvaluator {
  private final GroundTruthSet groundTruth;
  private final CocoParams params;
  private final int threads;
  private final Set<Long> gtImages;

  /**
   * @param groundTruth images, categories and objects
   * @param params evaluation parameters ({@link CocoParams#bbox()} for the standard metrics)
   * @param threads categories evaluated at once (1: in the calling thread)
   */
  public CocoEvaluator(GroundTruthSet groundTruth, CocoParams params, int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    this.groundTruth = groundTruth;
    this.params = params;
    this.threads = threads;
    this.gtImages = new HashSet<>(groundTruth.imageIds());
    Set<Long> annIds = new HashSet<>();
    for (CocoGroundTruth a : groundTruth.annotations()) {
      if (!annIds.add(a.id())) {
        throw new IllegalArgumentException("annotation id " + a.id() + " appears more than once");
      }
      checkFinite("annotation id " + a.id(), a.x(), a.y(), a.w(), a.h(), a.area());
    }
  }

  /** The standard metrics on every core. */
  public CocoEvaluator(GroundTruthSet groundTruth) {
    this(groundTruth, CocoParams.bbox(), Runtime.getRuntime().availableProcessors());
  }

  /** Evaluates the detections on every ground-truth image. */
  public CocoEvaluation evaluate(List<CocoResult> results) {
    long[] ids = groundTruth.imageIds().stream().mapToLong(Long::longValue).toArray();
    return evaluate(results, ids);
  }

  /**
   * Evaluates the detections on the given images only (DETR evaluates the images it predicted);
   * detections on other ground-truth images are left out.
   *
   * @throws IllegalArgumentException when a detection refers to an image that is not in the ground
   *     truth, or has a non-finite box or score
   */
  public CocoEvaluation evaluate(List<CocoResult> results, long[] imageIds) {
    return evaluate(results, imageIds, null);
  }

  /**
   * Mask evaluation (pycocotools' iouType "segm") on every ground-truth image: IoU of the masks
   * (intersection over the result's area against crowds), results ranged by their areas.
   */
  public CocoEvaluation evaluateSegm(SegmInput segm) {
    long[] ids = groundTruth.imageIds().stream().mapToLong(Long::longValue).toArray();
    return evaluate(segm.results(), ids, segm);
  }

  private CocoEvaluation evaluate(List<CocoResult> results, long[] imageIds, SegmInput segm) {
    for (int j = 0; j < results.size(); j++) {
      CocoResult r = results.get(j);
      if (!gtImages.contains(r.imageId())) {
        throw new IllegalArgumentException("result " + j + " refers to image_id " + r.imageId()
            + ", which is not among the ground-truth images");
      }
      checkFinite("result " + j + " (image_id " + r.imageId() + ")", r.x(), r.y(), r.w(), r.h(),
          r.score());
    }
    for (long id : imageIds) {
      if (!gtImages.contains(id)) {
        throw new IllegalArgumentException("image_id " + id + " is not among the ground-truth images");
      }
    }
    EvalIndex ix = new EvalIndex(groundTruth, results, imageIds, segm);
    int numK = ix.numCategories();
    double[] precision = new double[params.numIou() * params.numRecall() * numK
        * params.numAreas() * params.numMaxDets()];
    double[] recall = new double[params.numIou() * numK * params.numAreas() * params.numMaxDets()];
    Arrays.fill(precision, -1);
    Arrays.fill(recall, -1);
    ScoreCurve[] curves = new ScoreCurve[numK];
    ImageEvaluator images = new ImageEvaluator(params, ix);
    Accumulator accumulator = new Accumulator(params, numK);
    IntStream categories = IntStream.range(0, numK);
    if (threads == 1 || numK < 2) {
      categories.forEach(k -> curves[k] = evaluateCategory(k, ix, images, accumulator, precision, recall));
    } else {
      ForkJoinPool pool = new ForkJoinPool(threads);
      try {
        pool.submit(() -> categories.parallel().forEach(
            k -> curves[k] = evaluateCategory(k, ix, images, accumulator, precision, recall))).get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("evaluation interrupted", e);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException re) {
          throw re;
        }
        throw new IllegalStateException(e.getCause());
      } finally {
        pool.shutdown();
      }
    }
    return new CocoEvaluation(params, ix.categoryIds, ix.categoryNames, precision, recall, curves,
        ix.imageIds.length, ix.dScore.length);
  }

  /** evaluateImg over the images of category k that have objects or detections, then accumulate. */
  private static ScoreCurve evaluateCategory(int k, EvalIndex ix, ImageEvaluator images,
      Accumulator accumulator, double[] precision, double[] recall) {
    int g = ix.gtCatStart[k];
    int gEnd = ix.gtCatStart[k + 1];
    int d = ix.dtCatStart[k];
    int dEnd = ix.dtCatStart[k + 1];
    List<ImageResult> entries = new ArrayList<>();
    while (g < gEnd || d < dEnd) {
      int gImage = g < gEnd ? ix.gtImage[ix.gtGrouped[g]] : Integer.MAX_VALUE;
      int dImage = d < dEnd ? ix.dtImage[ix.dtGrouped[d]] : Integer.MAX_VALUE;
      int image = Math.min(gImage, dImage);
      int g0 = g;
      while (g < gEnd && ix.gtImage[ix.gtGrouped[g]] == image) {
        g++;
      }
      int d0 = d;
      while (d < dEnd && ix.dtImage[ix.dtGrouped[d]] == image) {
        d++;
      }
      entries.add(images.evaluate(ix.gtGrouped, g0, g, ix.dtGrouped, d0, d));
    }
    return accumulator.accumulate(k, entries, precision, recall);
  }

  private static void checkFinite(String what, double x, double y, double w, double h, double v) {
    if (!Double.isFinite(x) || !Double.isFinite(y) || !Double.isFinite(w) || !Double.isFinite(h)
        || !Double.isFinite(v)) {
      throw new IllegalArgumentException(what + ": bbox, area and score must be finite numbers");
    }
  }
}

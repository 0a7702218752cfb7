package jdetr.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import jdetr.eval.CocoCategory;
import jdetr.eval.CocoGroundTruth;
import jdetr.eval.CocoResult;
import jdetr.eval.GroundTruthSet;

/**
 * A generated evaluation problem shaped like COCO val with DETR's output: 640x480 images with about
 * seven objects each (one category much more frequent, about 1% crowds, sizes from tiny to large),
 * and a fixed number of detections per image (every query of the model) — jittered copies of the
 * objects with high scores, the rest background with low scores. Coordinates have two decimals,
 * scores four, so ties occur as they do in real result files.
 *
 * @param groundTruth images, categories 1..K and objects
 * @param results detections, image by image
 */
public record SyntheticEvalSet(GroundTruthSet groundTruth, List<CocoResult> results) {
  private static final double W = 640;
  private static final double H = 480;

  /** The same arguments give the same set. */
  public static SyntheticEvalSet generate(long seed, int numImages, int detsPerImage,
      int numCategories) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<Long> images = new ArrayList<>();
    List<CocoCategory> categories = new ArrayList<>();
    for (int c = 1; c <= numCategories; c++) {
      categories.add(new CocoCategory(c, "class_" + c));
    }
    List<CocoGroundTruth> anns = new ArrayList<>();
    List<CocoResult> results = new ArrayList<>();
    long annId = 1;
    for (int i = 0; i < numImages; i++) {
      long imageId = 100_000L + 7L * i;
      images.add(imageId);
      int objects = rng.nextInt(15);
      int dets = 0;
      for (int o = 0; o < objects; o++) {
        long cat = category(rng, numCategories);
        boolean crowd = rng.nextDouble() < 0.01;
        double[] box = box(rng, crowd ? 150 : 4, crowd ? 400 : 350);
        double area = round2(box[2] * box[3] * (0.6 + 0.4 * rng.nextDouble()));
        anns.add(CocoGroundTruth.of(annId++, imageId, cat, box, area, crowd));
        if (dets < detsPerImage && rng.nextDouble() < 0.8) {
          long detCat = rng.nextDouble() < 0.1 ? category(rng, numCategories) : cat;
          double s = 0.1; // jitter, relative to the side
          double[] b = {round2(box[0] + s * box[2] * gauss(rng)), round2(box[1] + s * box[3] * gauss(rng)),
              round2(Math.max(0.5, box[2] * (1 + s * gauss(rng)))),
              round2(Math.max(0.5, box[3] * (1 + s * gauss(rng))))};
          results.add(new CocoResult(imageId, detCat, b[0], b[1], b[2], b[3],
              round4(0.3 + 0.7 * rng.nextDouble())));
          dets++;
        }
      }
      for (; dets < detsPerImage; dets++) {
        double[] b = box(rng, 4, 350);
        double u = rng.nextDouble();
        results.add(new CocoResult(imageId, category(rng, numCategories), b[0], b[1], b[2], b[3],
            round4(u * u * u * u * 0.6)));
      }
    }
    return new SyntheticEvalSet(new GroundTruthSet(images, categories, anns), results);
  }

  /** Category 1 about a quarter of the time, the others uniformly. */
  private static long category(SplittableRandom rng, int numCategories) {
    return rng.nextDouble() < 0.25 ? 1 : 1 + rng.nextInt(numCategories);
  }

  /** A box inside the image with sides log-uniform in [lo, hi]. */
  private static double[] box(SplittableRandom rng, double lo, double hi) {
    double w = Math.min(W - 1, lo * Math.pow(hi / lo, rng.nextDouble()));
    double h = Math.min(H - 1, w * Math.exp(0.5 * gauss(rng)));
    double x = rng.nextDouble() * (W - w);
    double y = rng.nextDouble() * (H - Math.min(h, H - 1));
    return new double[] {round2(x), round2(y), round2(w), round2(Math.max(1, Math.min(h, H - 1)))};
  }

  private static double gauss(SplittableRandom rng) {
    // Box-Muller; SplittableRandom has no nextGaussian on Java 17
    double u = 1 - rng.nextDouble();
    double v = rng.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  private static double round2(double v) {
    return Math.round(v * 100) / 100.0;
  }

  private static double round4(double v) {
    return Math.round(v * 10000) / 10000.0;
  }
}

package jdetr.data.transforms;

import java.util.List;

/**
 * Sizes and probabilities of DETR's augmentations; the defaults are the reference's
 * ({@code make_coco_transforms}). Small recipes scale the sizes down.
 *
 * @param scales short sides the train resize picks from (480..800 step 32)
 * @param maxSize longest side after the train and val resizes (1333)
 * @param cropResizeSizes short sides of the resize before the crop (400, 500, 600; no max size)
 * @param cropMinSize smallest crop side (384)
 * @param cropMaxSize largest crop side (600)
 * @param flipProbability probability of the horizontal flip (0.5)
 * @param resizeOnlyProbability probability of the plain resize branch, else resize-crop-resize (0.5)
 * @param valSize short side of the val resize (800)
 * @param mean per-channel mean of Normalize (ImageNet)
 * @param std per-channel std of Normalize (ImageNet)
 */
public record AugmentationConfig(
    List<Integer> scales,
    int maxSize,
    List<Integer> cropResizeSizes,
    int cropMinSize,
    int cropMaxSize,
    double flipProbability,
    double resizeOnlyProbability,
    int valSize,
    List<Float> mean,
    List<Float> std) {

  public static final AugmentationConfig DETR = new AugmentationConfig(
      List.of(480, 512, 544, 576, 608, 640, 672, 704, 736, 768, 800), 1333,
      List.of(400, 500, 600), 384, 600, 0.5, 0.5, 800,
      List.of(0.485f, 0.456f, 0.406f), List.of(0.229f, 0.224f, 0.225f));

  public AugmentationConfig {
    scales = List.copyOf(scales);
    cropResizeSizes = List.copyOf(cropResizeSizes);
    mean = List.copyOf(mean);
    std = List.copyOf(std);
    if (scales.isEmpty() || cropResizeSizes.isEmpty()) {
      throw new IllegalArgumentException("augmentation scales and crop resize sizes must not be empty");
    }
    for (int s : scales) positive("scale", s);
    for (int s : cropResizeSizes) positive("crop resize size", s);
    positive("maxSize", maxSize);
    positive("cropMinSize", cropMinSize);
    positive("valSize", valSize);
    if (cropMaxSize < cropMinSize) {
      throw new IllegalArgumentException("cropMaxSize " + cropMaxSize + " < cropMinSize " + cropMinSize);
    }
    if (!(flipProbability >= 0 && flipProbability <= 1)
        || !(resizeOnlyProbability >= 0 && resizeOnlyProbability <= 1)) {
      throw new IllegalArgumentException("probabilities must be in [0, 1]");
    }
    if (mean.size() != 3 || std.size() != 3 || std.stream().anyMatch(s -> !(s > 0))) {
      throw new IllegalArgumentException("mean and std need 3 values, std positive");
    }
  }

  /**
   * DETR's recipe with the val resize at short side {@code valSize}, longest side {@code maxSize}:
   * the transform of inference at a chosen input size.
   */
  public static AugmentationConfig detrVal(int valSize, int maxSize) {
    AugmentationConfig d = DETR;
    return new AugmentationConfig(d.scales, maxSize, d.cropResizeSizes, d.cropMinSize, d.cropMaxSize,
        d.flipProbability, d.resizeOnlyProbability, valSize, d.mean, d.std);
  }

  /**
   * The DETR recipe with every size multiplied by {@code factor} (rounded down, at least 1), for
   * small images: {@code scaled(0.25)} trains at short sides 120..200, max 333.
   */
  public AugmentationConfig scaled(double factor) {
    return new AugmentationConfig(
        scales.stream().map(s -> times(s, factor)).toList(), times(maxSize, factor),
        cropResizeSizes.stream().map(s -> times(s, factor)).toList(), times(cropMinSize, factor),
        times(cropMaxSize, factor), flipProbability, resizeOnlyProbability,
        times(valSize, factor), mean, std);
  }

  private static int times(int size, double factor) {
    return Math.max(1, (int) Math.floor(size * factor));
  }

  private static void positive(String what, int v) {
    if (v <= 0) throw new IllegalArgumentException(what + " must be positive, got " + v);
  }
}

package jdetr.eval;

import java.util.List;
import java.util.Map;
import jdetr.mask.Rle;

/**
 * What mask evaluation (pycocotools' iouType "segm") needs beyond the boxes: the ground-truth
 * masks and the results with their masks and areas.
 *
 * @param groundTruthMasks the mask of each ground-truth object by annotation id (as
 *     {@code COCO.annToRLE} builds it); every evaluated object must have one
 * @param results the results (their boxes are not used for the IoU)
 * @param resultMasks the mask of each result, aligned with {@code results}
 * @param resultAreas the area each result is ranged by (small/medium/large), aligned with
 *     {@code results}: the mask's area, or the box area when the results file gives boxes
 *     (pycocotools' {@code loadRes} decides by the first result)
 */
public record SegmInput(Map<Long, Rle> groundTruthMasks, List<CocoResult> results,
    List<Rle> resultMasks, double[] resultAreas) {
  public SegmInput {
    groundTruthMasks = Map.copyOf(groundTruthMasks);
    results = List.copyOf(results);
    resultMasks = List.copyOf(resultMasks);
    resultAreas = resultAreas.clone();
    if (resultMasks.size() != results.size() || resultAreas.length != results.size()) {
      throw new IllegalArgumentException("results, masks and areas differ in number: "
          + results.size() + ", " + resultMasks.size() + ", " + resultAreas.length);
    }
  }

  /** Results whose areas are their masks' areas (a results file of masks without boxes). */
  public static SegmInput of(Map<Long, Rle> groundTruthMasks, List<CocoResult> results,
      List<Rle> resultMasks) {
    double[] areas = new double[resultMasks.size()];
    for (int j = 0; j < areas.length; j++) {
      areas[j] = resultMasks.get(j).area();
    }
    return new SegmInput(groundTruthMasks, results, resultMasks, areas);
  }
}

package jdetr.eval;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jdetr.mask.Rle;

/**
 * COCO results with masks, as the reference's {@code CocoEvaluator.prepare_for_coco_segmentation}
 * makes them: one result per detection, {@code {image_id, category_id, segmentation, score}} with
 * the mask as RLE. As pycocotools' {@code loadRes} reads such results (no {@code bbox}), each
 * result's box is its mask's box and its area its mask's area.
 */
public final class SegmResults {
  private final List<CocoResult> results = new ArrayList<>();
  private final List<Rle> masks = new ArrayList<>();

  /** Adds one image's detections, each with its mask on the original image. */
  public void add(long imageId, List<Detection> detections) {
    for (Detection d : detections) {
      Rle rle = d.mask();
      if (rle == null) {
        throw new IllegalArgumentException("image " + imageId + ": a detection without a mask");
      }
      double[] box = rle.toBbox();
      results.add(new CocoResult(imageId, d.label(), box[0], box[1], box[2], box[3], d.score()));
      masks.add(rle);
    }
  }

  public int size() {
    return results.size();
  }

  /** What {@link CocoEvaluator#evaluateSegm} needs, with the ground-truth masks by annotation id. */
  public SegmInput input(Map<Long, Rle> groundTruthMasks) {
    return SegmInput.of(groundTruthMasks, results, masks);
  }

  /** Writes the results file ({@link CocoJsonWriter#writeSegmResults}). */
  public void write(Path file) throws IOException {
    CocoJsonWriter.writeSegmResults(results, masks, file);
  }
}

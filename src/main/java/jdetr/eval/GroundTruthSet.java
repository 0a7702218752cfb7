package jdetr.eval;

import java.util.List;

/**
 * What evaluation needs from a COCO annotation file.
 *
 * @param imageIds ids of the images to evaluate (every image of the file; duplicates collapse)
 * @param categories the file's categories; only these are evaluated
 * @param annotations ground-truth objects in file order (objects of images or categories not listed
 *     above are left out of the evaluation, as pycocotools does)
 */
public record GroundTruthSet(List<Long> imageIds, List<CocoCategory> categories,
    List<CocoGroundTruth> annotations) {
  public GroundTruthSet {
    imageIds = List.copyOf(imageIds);
    categories = List.copyOf(categories);
    annotations = List.copyOf(annotations);
  }
}

package jdetr.eval;

/**
 * One ground-truth object as COCO evaluation sees it.
 *
 * @param id annotation id (a detection matched to an object with id 0 counts as unmatched, exactly
 *     as in pycocotools, which stores matches by id)
 * @param imageId image id
 * @param categoryId raw category id
 * @param x box left (COCO xywh)
 * @param y box top
 * @param w box width
 * @param h box height
 * @param area the annotation's {@code area} field: it decides the small/medium/large range, not w*h
 * @param iscrowd a crowd region: matched by intersection over the detection's area, any number of
 *     detections may match it, and it is ignored
 * @param ignore ignored although not a crowd (never set from a COCO file: pycocotools overwrites
 *     the file's {@code ignore} field with {@code iscrowd})
 */
public record CocoGroundTruth(long id, long imageId, long categoryId, double x, double y, double w,
    double h, double area, boolean iscrowd, boolean ignore) {

  /** A ground-truth object from a COCO annotation: ignored exactly when it is a crowd. */
  public static CocoGroundTruth of(long id, long imageId, long categoryId, double[] xywh, double area,
      boolean iscrowd) {
    return new CocoGroundTruth(id, imageId, categoryId, xywh[0], xywh[1], xywh[2], xywh[3], area,
        iscrowd, false);
  }
}

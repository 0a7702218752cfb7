package jdetr.eval;

/**
 * One detection in the COCO results format: {@code {image_id, category_id, bbox [x,y,w,h], score}}.
 *
 * @param imageId image id (must be one of the ground-truth images)
 * @param categoryId raw category id (detections of categories unknown to the ground truth are
 *     dropped, as pycocotools does)
 * @param x box left
 * @param y box top
 * @param w box width
 * @param h box height
 * @param score confidence; higher first
 */
public record CocoResult(long imageId, long categoryId, double x, double y, double w, double h,
    double score) {

  /** The area pycocotools' {@code loadRes} gives a result: {@code w * h}. */
  public double area() {
    return w * h;
  }

  /**
   * A model detection in pixels (xyxy) as DETR's evaluator converts it: width and height are
   * subtracted in float32, as {@code convert_to_xywh} does on the float tensor.
   */
  public static CocoResult of(long imageId, Detection d) {
    float w = d.x1() - d.x0();
    float h = d.y1() - d.y0();
    return new CocoResult(imageId, d.label(), d.x0(), d.y0(), w, h, d.score());
  }
}

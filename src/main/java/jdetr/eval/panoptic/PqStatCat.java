package jdetr.eval.panoptic;

/**
 * The counts of one category, summed over images: the IoU of its true positives, and its true
 * positives, false positives and false negatives (panopticapi's {@code PQStatCat}).
 */
public final class PqStatCat {
  double iou;
  long tp;
  long fp;
  long fn;

  public double iou() {
    return iou;
  }

  public long tp() {
    return tp;
  }

  public long fp() {
    return fp;
  }

  public long fn() {
    return fn;
  }

  void add(PqStatCat o) {
    iou += o.iou;
    tp += o.tp;
    fp += o.fp;
    fn += o.fn;
  }
}

package jdetr.mask;

/**
 * maskApi's {@code rleIou}: intersection over union of run-length encoded masks, computed only
 * where the masks' boxes ({@link Rle#toBbox}) overlap. Against a crowd region the union is the
 * detection's own area (intersection over the detection). Masks of different sizes whose boxes
 * overlap get -1, as in maskApi.
 */
public final class MaskIou {
  private MaskIou() {}

  /**
   * @param dt detections
   * @param gt ground-truth masks
   * @param iscrowd per ground-truth mask, or null (no crowd)
   * @return {@code [dt.length, gt.length]} row-major: {@code iou[d * gt.length + g]}
   */
  public static double[] iou(Rle[] dt, Rle[] gt, boolean[] iscrowd) {
    int m = dt.length;
    int n = gt.length;
    double[][] db = new double[m][];
    double[][] gb = new double[n][];
    for (int d = 0; d < m; d++) {
      db[d] = dt[d].toBbox();
    }
    for (int g = 0; g < n; g++) {
      gb[g] = gt[g].toBbox();
    }
    double[] out = new double[m * n];
    for (int g = 0; g < n; g++) {
      boolean crowd = iscrowd != null && iscrowd[g];
      for (int d = 0; d < m; d++) {
        if (boxIou(db[d], gb[g], crowd) <= 0) {
          continue;
        }
        out[d * n + g] = maskIou(dt[d], gt[g], crowd);
      }
    }
    return out;
  }

  /** maskApi's {@code bbIou} of two {@code [x, y, w, h]} boxes. */
  static double boxIou(double[] dt, double[] gt, boolean crowd) {
    double ga = gt[2] * gt[3];
    double da = dt[2] * dt[3];
    double w = Math.min(dt[2] + dt[0], gt[2] + gt[0]) - Math.max(dt[0], gt[0]);
    if (w <= 0) {
      return 0;
    }
    double h = Math.min(dt[3] + dt[1], gt[3] + gt[1]) - Math.max(dt[1], gt[1]);
    if (h <= 0) {
      return 0;
    }
    double i = w * h;
    double u = crowd ? da : da + ga - i;
    return i / u;
  }

  private static double maskIou(Rle dt, Rle gt, boolean crowd) {
    if (dt.height() != gt.height() || dt.width() != gt.width()) {
      return -1;
    }
    long ca = dt.count(0);
    int ka = dt.numCounts();
    long cb = gt.count(0);
    int kb = gt.numCounts();
    boolean va = false;
    boolean vb = false;
    int a = 1;
    int b = 1;
    long i = 0;
    long u = 0;
    long ct = 1;
    while (ct > 0) {
      long c = Math.min(ca, cb);
      if (va || vb) {
        u += c;
        if (va && vb) {
          i += c;
        }
      }
      ct = 0;
      ca -= c;
      if (ca == 0 && a < ka) {
        ca = dt.count(a++);
        va = !va;
      }
      ct += ca;
      cb -= c;
      if (cb == 0 && b < kb) {
        cb = gt.count(b++);
        vb = !vb;
      }
      ct += cb;
    }
    if (i == 0) {
      u = 1;
    } else if (crowd) {
      u = dt.area();
    }
    return (double) i / (double) u;
  }
}

package jdetr.eval;

/**
 * Average precision of one category (area "all", maxDets[-1]); -1 where the category has no
 * ground-truth object that counts.
 *
 * @param categoryId raw category id
 * @param name category name
 * @param ap AP @[IoU=0.50:0.95]
 * @param ap50 AP @[IoU=0.50]
 * @param ap75 AP @[IoU=0.75]
 * @param ar AR @[IoU=0.50:0.95] with maxDets[-1]
 * @param numGt ground-truth objects that count (not crowd, not ignored)
 */
public record ClassAp(long categoryId, String name, double ap, double ap50, double ap75, double ar,
    long numGt) {}

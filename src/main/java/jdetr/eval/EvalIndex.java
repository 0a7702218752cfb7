package jdetr.eval;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdetr.mask.Rle;

/**
 * Ground truth and detections in columns, grouped by (category, image) as pycocotools'
 * {@code _prepare} groups them: sorted unique image and category ids, objects of one (image,
 * category) in input order. Objects of images or categories outside the evaluation are dropped.
 */
final class EvalIndex {
  final long[] imageIds; // sorted unique
  final long[] categoryIds; // sorted unique
  final String[] categoryNames;

  // ground truth columns, input order
  final double[] gx, gy, gw, gh, gArea;
  final boolean[] gCrowd, gIgnore;
  final long[] gId;
  // detection columns, input order
  final double[] dx, dy, dw, dh, dArea, dScore;
  // masks (iouType "segm"), or null for boxes
  final Rle[] gMask, dMask;

  /** Indices of ground truth grouped by category, then image, then input order. */
  final int[] gtGrouped;
  final int[] gtImage; // image index of each ground-truth object
  final int[] gtCatStart; // [K + 1] ranges in gtGrouped
  final int[] dtGrouped;
  final int[] dtImage;
  final int[] dtCatStart;
  final int numResults;

  EvalIndex(GroundTruthSet gt, List<CocoResult> results, long[] evalImageIds) {
    this(gt, results, evalImageIds, null);
  }

  /** With {@code segm} non-null, objects and results carry masks and results its areas. */
  EvalIndex(GroundTruthSet gt, List<CocoResult> results, long[] evalImageIds, SegmInput segm) {
    imageIds = Arrays.stream(evalImageIds).sorted().distinct().toArray();
    Map<Long, Integer> imageIndex = indexOf(imageIds);
    Map<Long, String> names = new HashMap<>();
    for (CocoCategory c : gt.categories()) {
      names.put(c.id(), c.name());
    }
    categoryIds = names.keySet().stream().mapToLong(Long::longValue).sorted().toArray();
    categoryNames = new String[categoryIds.length];
    for (int k = 0; k < categoryIds.length; k++) {
      categoryNames[k] = names.get(categoryIds[k]);
    }
    Map<Long, Integer> categoryIndex = indexOf(categoryIds);
    numResults = results.size();

    List<CocoGroundTruth> anns = gt.annotations();
    int n = 0;
    int[] img = new int[anns.size()];
    int[] cat = new int[anns.size()];
    int[] keep = new int[anns.size()];
    for (int j = 0; j < anns.size(); j++) {
      CocoGroundTruth a = anns.get(j);
      Integer i = imageIndex.get(a.imageId());
      Integer k = categoryIndex.get(a.categoryId());
      if (i != null && k != null) {
        img[n] = i;
        cat[n] = k;
        keep[n++] = j;
      }
    }
    gx = new double[n]; gy = new double[n]; gw = new double[n]; gh = new double[n];
    gArea = new double[n]; gCrowd = new boolean[n]; gIgnore = new boolean[n]; gId = new long[n];
    for (int j = 0; j < n; j++) {
      CocoGroundTruth a = anns.get(keep[j]);
      gx[j] = a.x(); gy[j] = a.y(); gw[j] = a.w(); gh[j] = a.h();
      gArea[j] = a.area();
      gCrowd[j] = a.iscrowd();
      gIgnore[j] = a.ignore() || a.iscrowd();
      gId[j] = a.id();
    }
    gMask = segm == null ? null : new Rle[n];
    for (int j = 0; segm != null && j < n; j++) {
      gMask[j] = segm.groundTruthMasks().get(gId[j]);
      if (gMask[j] == null) {
        throw new IllegalArgumentException("annotation id " + gId[j] + " has no segmentation");
      }
    }
    gtImage = Arrays.copyOf(img, n);
    gtCatStart = new int[categoryIds.length + 1];
    gtGrouped = group(gtImage, Arrays.copyOf(cat, n), imageIds.length, gtCatStart);

    int m = 0;
    img = new int[results.size()];
    cat = new int[results.size()];
    keep = new int[results.size()];
    for (int j = 0; j < results.size(); j++) {
      CocoResult r = results.get(j);
      Integer i = imageIndex.get(r.imageId());
      Integer k = categoryIndex.get(r.categoryId());
      if (i != null && k != null) {
        img[m] = i;
        cat[m] = k;
        keep[m++] = j;
      }
    }
    dx = new double[m]; dy = new double[m]; dw = new double[m]; dh = new double[m];
    dArea = new double[m]; dScore = new double[m];
    for (int j = 0; j < m; j++) {
      CocoResult r = results.get(keep[j]);
      dx[j] = r.x(); dy[j] = r.y(); dw[j] = r.w(); dh[j] = r.h();
      dArea[j] = segm == null ? r.area() : segm.resultAreas()[keep[j]];
      dScore[j] = r.score();
    }
    dMask = segm == null ? null : new Rle[m];
    for (int j = 0; segm != null && j < m; j++) {
      dMask[j] = segm.resultMasks().get(keep[j]);
    }
    dtImage = Arrays.copyOf(img, m);
    dtCatStart = new int[categoryIds.length + 1];
    dtGrouped = group(dtImage, Arrays.copyOf(cat, m), imageIds.length, dtCatStart);
  }

  int numCategories() {
    return categoryIds.length;
  }

  private static Map<Long, Integer> indexOf(long[] sortedIds) {
    Map<Long, Integer> index = new HashMap<>(sortedIds.length * 2);
    for (int i = 0; i < sortedIds.length; i++) {
      index.put(sortedIds[i], i);
    }
    return index;
  }

  /**
   * Stable two-pass counting sort: indices ordered by (category, image, input order).
   * {@code catStart[k]..catStart[k+1]} is the range of category k in the result.
   */
  private static int[] group(int[] image, int[] category, int numImages, int[] catStart) {
    int n = image.length;
    int[] byImage = countingSort(identity(n), image, numImages);
    int[] byCategory = countingSort(byImage, category, catStart.length - 1);
    for (int j = 0; j < n; j++) {
      catStart[category[j] + 1]++;
    }
    for (int k = 0; k + 1 < catStart.length; k++) {
      catStart[k + 1] += catStart[k];
    }
    return byCategory;
  }

  private static int[] identity(int n) {
    int[] id = new int[n];
    for (int i = 0; i < n; i++) {
      id[i] = i;
    }
    return id;
  }

  private static int[] countingSort(int[] order, int[] key, int numKeys) {
    int[] start = new int[numKeys + 1];
    for (int j : order) {
      start[key[j] + 1]++;
    }
    for (int k = 0; k < numKeys; k++) {
      start[k + 1] += start[k];
    }
    int[] out = new int[order.length];
    for (int j : order) {
      out[start[key[j]]++] = j;
    }
    return out;
  }
}

package jdetr.eval.panoptic;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdetr.data.PanopticPng;

/**
 * DETR's panoptic post-processing ({@code PostProcessPanoptic}): from the model's class logits
 * and masks to a COCO panoptic PNG and its {@code segments_info}, per image:
 *
 * <ol>
 *   <li>keep the queries whose softmax maximum is over {@code threshold} (0.85) and not no-object;
 *   <li>upsample their masks bilinearly to the processed (unpadded) image size;
 *   <li>give each pixel to the kept query with the largest mask logit (softmax over the queries,
 *       arg-max); on this first pass, the queries of one stuff class all paint as the first of
 *       them (the others then cover nothing);
 *   <li>resize the id map to the target size through its id colours, as PIL's NEAREST;
 *   <li>while a segment covers 4 pixels or fewer, drop every such query and repeat 3–4 without
 *       the stuff merge.
 * </ol>
 *
 * Segment ids are the kept queries' ranks (0, 1, …: id 0 is black, as the reference writes it).
 * With no query kept the PNG is all 0 and there are no segments. Written on plain arrays, so it
 * does not depend on the model.
 */
public final class PostProcessPanoptic {
  /** The reference's threshold. */
  public static final float DEFAULT_THRESHOLD = 0.85f;
  /** Segments this small or smaller are dropped. */
  private static final int MAX_DROPPED_AREA = 4;

  /** One entry of {@code segments_info}. */
  public record Segment(int id, boolean isThing, int categoryId, long area) {}

  /** One image's result: the id map at the target size and its segments. */
  public record Prediction(PanopticPng png, List<Segment> segmentsInfo) {}

  private final Map<Integer, Boolean> isThingMap;
  private final float threshold;

  /**
   * @param isThingMap class id to whether it is a thing (true) or stuff (false); a kept query of a
   *     class the map lacks is refused
   */
  public PostProcessPanoptic(Map<Integer, Boolean> isThingMap, float threshold) {
    this.isThingMap = Map.copyOf(isThingMap);
    this.threshold = threshold;
  }

  /** The reference's map for COCO panoptic: ids 0..200, things up to 90. */
  public static Map<Integer, Boolean> cocoIsThingMap() {
    Map<Integer, Boolean> m = new HashMap<>();
    for (int i = 0; i <= 200; i++) {
      m.put(i, i <= 90);
    }
    return m;
  }

  /**
   * @param logits [B, Q, K+1] class logits (last: no-object)
   * @param masks [B, Q, h, w] mask logits
   * @param processedSizes [B][2] (height, width) of each image as the model saw it, unpadded
   * @param targetSizes [B][2] (height, width) of the result
   */
  public List<Prediction> apply(float[] logits, float[] masks, int b, int q, int classes1,
      int h, int w, int[][] processedSizes, int[][] targetSizes) {
    if (logits.length != (long) b * q * classes1 || masks.length != (long) b * q * h * w
        || processedSizes.length != b || targetSizes.length != b) {
      throw new IllegalArgumentException("expected logits [" + b + ", " + q + ", " + classes1
          + "], masks [" + b + ", " + q + ", " + h + ", " + w + "] and " + b + " sizes, got "
          + logits.length + " logits, " + masks.length + " mask values, "
          + processedSizes.length + " and " + targetSizes.length + " sizes");
    }
    List<Prediction> out = new ArrayList<>(b);
    for (int i = 0; i < b; i++) {
      out.add(image(logits, masks, i, q, classes1, h, w, processedSizes[i], targetSizes[i]));
    }
    return out;
  }

  private Prediction image(float[] logits, float[] masks, int i, int q, int classes1, int h,
      int w, int[] size, int[] target) {
    List<Integer> kept = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    float[] probs = new float[classes1];
    for (int j = 0; j < q; j++) {
      System.arraycopy(logits, (i * q + j) * classes1, probs, 0, classes1);
      softmax(probs, classes1);
      int label = argmax(probs, classes1);
      if (label != classes1 - 1 && probs[label] > threshold) {
        kept.add(j);
        labels.add(label);
      }
    }
    int ph = size[0], pw = size[1];
    int n = kept.size();
    float[] own = new float[n * h * w]; // [n, h, w] the kept queries' masks
    for (int k = 0; k < n; k++) {
      System.arraycopy(masks, (i * q + kept.get(k)) * h * w, own, k * h * w, h * w);
    }
    float[] up = BilinearUpsampling.resize(own, n, h, w, ph, pw); // [n, ph, pw]
    Map<Integer, List<Integer>> stuffEquivalents = new LinkedHashMap<>();
    for (int k = 0; k < n; k++) {
      if (!isThing(labels.get(k))) {
        stuffEquivalents.computeIfAbsent(labels.get(k), c -> new ArrayList<>()).add(k);
      }
    }
    int[] ids = idMap(up, n, ph * pw, stuffEquivalents);
    ids = NearestResize.resize(ids, ph, pw, target[0], target[1]);
    long[] area = areas(ids, n);
    if (n > 0) {
      while (true) {
        List<Integer> survivors = new ArrayList<>();
        for (int k = 0; k < area.length; k++) {
          if (area[k] > MAX_DROPPED_AREA) {
            survivors.add(k);
          }
        }
        if (survivors.size() == area.length) {
          break;
        }
        float[] left = new float[survivors.size() * ph * pw];
        List<Integer> leftLabels = new ArrayList<>();
        for (int s = 0; s < survivors.size(); s++) {
          int k = survivors.get(s);
          System.arraycopy(up, k * ph * pw, left, s * ph * pw, ph * pw);
          leftLabels.add(labels.get(k));
        }
        up = left;
        labels = leftLabels;
        ids = NearestResize.resize(idMap(up, labels.size(), ph * pw, Map.of()), ph, pw,
            target[0], target[1]);
        area = areas(ids, labels.size());
      }
    }
    List<Segment> info = new ArrayList<>();
    for (int k = 0; k < area.length; k++) {
      int c = labels.get(k);
      info.add(new Segment(k, isThing(c), c, area[k]));
    }
    return new Prediction(new PanopticPng(target[1], target[0], ids), List.copyOf(info));
  }

  private boolean isThing(int label) {
    Boolean thing = isThingMap.get(label);
    if (thing == null) {
      throw new IllegalArgumentException("class " + label + " is kept but the is-thing map has"
          + " no entry for it (" + isThingMap.size() + " classes mapped)");
    }
    return thing;
  }

  /**
   * Per pixel, the mask with the largest softmax over the {@code n} masks (first on ties); with
   * {@code merge}, each stuff class's masks all paint as the first of them.
   */
  private static int[] idMap(float[] masks, int n, int pixels, Map<Integer, List<Integer>> merge) {
    int[] ids = new int[pixels];
    if (n == 0) {
      return ids;
    }
    int[] as = new int[n];
    for (int k = 0; k < n; k++) {
      as[k] = k;
    }
    for (List<Integer> equivalent : merge.values()) {
      for (int k : equivalent) {
        as[k] = equivalent.get(0);
      }
    }
    float[] column = new float[n];
    for (int p = 0; p < pixels; p++) {
      for (int k = 0; k < n; k++) {
        column[k] = masks[k * pixels + p];
      }
      softmax(column, n);
      ids[p] = as[argmax(column, n)];
    }
    return ids;
  }

  private static long[] areas(int[] ids, int n) {
    long[] area = new long[n];
    for (int id : ids) {
      if (id < n) {
        area[id]++;
      }
    }
    return area;
  }

  /** Softmax of the first {@code n} values in place: {@code exp(x - max) * (1 / sum)} in float. */
  static void softmax(float[] v, int n) {
    float max = Float.NEGATIVE_INFINITY;
    for (int k = 0; k < n; k++) {
      max = Math.max(max, v[k]);
    }
    float sum = 0;
    for (int k = 0; k < n; k++) {
      v[k] = (float) Math.exp(v[k] - max);
      sum += v[k];
    }
    float inv = 1f / sum;
    for (int k = 0; k < n; k++) {
      v[k] *= inv;
    }
  }

  /** The first index of the largest of the first {@code n} values. */
  static int argmax(float[] v, int n) {
    int best = 0;
    for (int k = 1; k < n; k++) {
      if (v[k] > v[best]) {
        best = k;
      }
    }
    return best;
  }
}

package jdetr.model.segmentation;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How segmentation weights are named. The reference's DETRsegm keeps its detector under
 * {@code detr.} ({@code detr.transformer.…}, official panoptic checkpoints too) beside
 * {@code bbox_attention.…} and {@code mask_head.…}; jdetr names the detector's parameters without
 * that prefix, so a box-only DETR state dict and a DETRsegm one share the detector's names.
 */
public final class SegmentationWeights {

  private static final String WRAPPED = "detr.";

  private SegmentationWeights() {}

  /** {@code state} with the {@code detr.} prefix removed from every key that has it. */
  public static Map<String, NDArray> unwrap(Map<String, NDArray> state) {
    if (state.keySet().stream().noneMatch(k -> k.startsWith(WRAPPED))) {
      return state;
    }
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : state.entrySet()) {
      String key = e.getKey().startsWith(WRAPPED) ? e.getKey().substring(WRAPPED.length())
          : e.getKey();
      if (out.put(key, e.getValue()) != null) {
        throw new IllegalArgumentException("state dict has both '" + key + "' and '" + WRAPPED
            + key + "'");
      }
    }
    return out;
  }

  /** The reference DETRsegm's name of a jdetr DETRsegm tensor: the detector's under {@code detr.}. */
  public static String wrappedName(String key) {
    return DETRsegm.HEAD_PREFIXES.stream().anyMatch(key::startsWith) ? key : WRAPPED + key;
  }

  /** Whether a (unwrapped) state dict holds a segmentation head. */
  public static boolean hasHead(Map<String, NDArray> state) {
    return state.keySet().stream()
        .anyMatch(k -> DETRsegm.HEAD_PREFIXES.stream().anyMatch(k::startsWith));
  }
}

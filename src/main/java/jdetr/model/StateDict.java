package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import jdetr.model.nn.TorchBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model's parameters and buffers under their reference {@code state_dict} names, and the
 * strict loading of such a map into a model: names and shapes must match exactly, except for an
 * optional head that is re-initialized when its shape differs or it is absent (fine-tuning with
 * another class count). Nothing is copied unless the whole map checks out.
 */
public final class StateDict {

  private static final Logger LOG = LoggerFactory.getLogger(StateDict.class);
  private static final int MAX_LISTED = 25;

  /**
   * @param resetHead name prefix of the head that was re-initialized instead of loaded, or null
   * @param ignoredKeys keys accepted but not loaded ({@code num_batches_tracked} counters)
   * @param freshKeys model keys absent from the state dict and kept as initialised (a box-only
   *     checkpoint loaded into DETRsegm: its segmentation head)
   */
  public record LoadReport(String resetHead, List<String> ignoredKeys, List<String> freshKeys) {
    public LoadReport(String resetHead, List<String> ignoredKeys) {
      this(resetHead, ignoredKeys, List.of());
    }

    public boolean headReset() {
      return resetHead != null;
    }

    /** This report, {@code keys} having been left as initialised. */
    public LoadReport withFreshKeys(List<String> keys) {
      return new LoadReport(resetHead, ignoredKeys, List.copyOf(keys));
    }
  }

  private StateDict() {}

  /** The live arrays of {@code model}, in module order, by state_dict name (do not close them). */
  public static LinkedHashMap<String, NDArray> of(TorchBlock model) {
    LinkedHashMap<String, NDArray> out = new LinkedHashMap<>();
    model.namedParameters().forEach((k, p) -> out.put(k, p.getArray()));
    return out;
  }

  /**
   * Copies {@code state} into {@code model}'s arrays.
   *
   * @param head a child of {@code model} that may be re-initialized (reference init) instead of
   *     loaded when its entries are missing or have other shapes; null for a fully strict load
   * @param headName that child's name prefix (e.g. "class_embed")
   * @throws IllegalArgumentException listing every missing, unexpected and mis-shaped key
   */
  public static LoadReport load(TorchBlock model, Map<String, NDArray> state, TorchBlock head,
      String headName) {
    return load(model, state, head, headName, key -> key.startsWith(headName + "."));
  }

  /**
   * As {@link #load(TorchBlock, Map, TorchBlock, String)}, the head's keys being those
   * {@code inHead} accepts (a head listed under several names, e.g. Deformable DETR's two-stage
   * {@code class_embed.N} and {@code transformer.decoder.class_embed.N}).
   */
  public static LoadReport load(TorchBlock model, Map<String, NDArray> state, TorchBlock head,
      String headName, Predicate<String> inHead) {
    LinkedHashMap<String, Parameter> expected = model.namedParameters();
    List<String> missing = new ArrayList<>();
    List<String> unexpected = new ArrayList<>();
    List<String> mismatched = new ArrayList<>();
    List<String> ignored = new ArrayList<>();
    for (String key : state.keySet()) {
      if (!expected.containsKey(key)) {
        if (key.endsWith(".num_batches_tracked")
            && hasOwner(expected, key.substring(0, key.length() - "num_batches_tracked".length()))) {
          ignored.add(key);
        } else {
          unexpected.add(key);
        }
      }
    }
    List<String> headProblems = new ArrayList<>();
    for (Map.Entry<String, Parameter> e : expected.entrySet()) {
      String key = e.getKey();
      boolean isHead = head != null && inHead.test(key);
      NDArray src = state.get(key);
      if (src == null) {
        (isHead ? headProblems : missing).add(key);
      } else if (!src.getShape().equals(e.getValue().getShape())) {
        String what = key + " (model " + e.getValue().getShape() + ", state " + src.getShape() + ")";
        (isHead ? headProblems : mismatched).add(what);
      } else if (src.getDataType().getFormat() != DataType.Format.FLOATING
          && e.getValue().getArray().getDataType().getFormat() == DataType.Format.FLOATING) {
        mismatched.add(key + " (state dtype " + src.getDataType() + ", expected floating point)");
      }
    }
    if (!missing.isEmpty() || !unexpected.isEmpty() || !mismatched.isEmpty()) {
      throw new IllegalArgumentException("state dict does not fit the model: "
          + list("missing", missing) + list("unexpected", unexpected)
          + list("shape/dtype mismatch", mismatched));
    }
    String resetHead = null;
    if (!headProblems.isEmpty()) {
      head.reinitialize();
      resetHead = headName;
      LOG.warn("{} re-initialized instead of loaded ({}): the weights were trained with another "
          + "class count", headName, String.join(", ", headProblems));
    }
    for (Map.Entry<String, Parameter> e : expected.entrySet()) {
      if (resetHead != null && inHead.test(e.getKey())) {
        continue;
      }
      copyInto(e.getValue().getArray(), state.get(e.getKey()));
    }
    return new LoadReport(resetHead, List.copyOf(ignored));
  }

  private static void copyInto(NDArray dst, NDArray src) {
    if (src.getDataType() == dst.getDataType()) {
      dst.set(src.toByteBuffer());
      return;
    }
    try (NDArray converted = src.toType(dst.getDataType(), true)) {
      dst.set(converted.toByteBuffer());
    }
  }

  private static boolean hasOwner(Map<String, Parameter> expected, String prefix) {
    return expected.containsKey(prefix + "running_mean");
  }

  private static String list(String what, List<String> keys) {
    if (keys.isEmpty()) {
      return "";
    }
    List<String> shown = keys.subList(0, Math.min(keys.size(), MAX_LISTED));
    String more = keys.size() > shown.size() ? ", … and " + (keys.size() - shown.size()) + " more" : "";
    return "\n  " + what + " (" + keys.size() + "): " + String.join(", ", shown) + more;
  }
}

package jdetr.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What `jdetr import` prints of an opened PyTorch checkpoint: its model tensors (name, stored
 * dtype, shape) without reading their data, or its format and top-level entries after reading
 * every tensor of the model state dict. Text taken from the file is printed with control
 * characters escaped.
 */
public final class TorchCheckpointReport {
  private TorchCheckpointReport() {}

  /** One line per model tensor: name, stored dtype, shape; no tensor data is read. */
  public static void printTensors(TorchCheckpoint checkpoint, PrintWriter out) throws IOException {
    Map<String, PickledTensor> tensors = checkpoint.stateDict();
    int width = tensors.keySet().stream().mapToInt(String::length).max().orElse(0);
    for (Map.Entry<String, PickledTensor> e : tensors.entrySet()) {
      PickledTensor t = e.getValue();
      out.printf("%-" + width + "s  %-8s  %s%n", printable(e.getKey()), t.storage().type().torchDtype(),
          Arrays.toString(t.shape()));
    }
    out.flush();
  }

  /**
   * The format and a one-line summary of each top-level entry, then reads every tensor of the
   * model state dict and prints how many tensors and values it read.
   */
  public static void printSummary(Path pth, TorchCheckpoint checkpoint, PrintWriter out)
      throws IOException {
    Map<String, PickledTensor> tensors = checkpoint.stateDict();
    out.printf("%s: %s format%n", pth, checkpoint.format().name().toLowerCase());
    for (Map.Entry<String, Object> e : checkpoint.topLevel().entrySet()) {
      out.printf("  %s: %s%n", printable(e.getKey()), summary(e.getValue()));
    }
    long parameters = 0;
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      for (Map.Entry<String, PickledTensor> e : tensors.entrySet()) {
        try (NDManager scope = manager.newSubManager()) {
          NDArray array = checkpoint.load(e.getValue(), scope);
          parameters += array.size();
        }
      }
    }
    out.printf("read %d tensors, %d values%n", tensors.size(), parameters);
    out.flush();
  }

  /** A one-line description of a top-level value, never walking into containers. */
  private static String summary(Object value) {
    if (value instanceof Map<?, ?> m) {
      long tensors = m.values().stream().filter(v -> v instanceof PickledTensor).count();
      return "dict of " + m.size() + " entries" + (tensors > 0 ? " (" + tensors + " tensors)" : "");
    }
    if (value instanceof List<?> l) {
      return "list of " + l.size();
    }
    if (value instanceof PickledTuple t) {
      return "tuple of " + t.size();
    }
    if (value instanceof PickledObject o) {
      return o.type() + " with " + o.attributes().size() + " attributes (kept as values, not run)";
    }
    if (value instanceof PickledTensor t) {
      return "tensor " + t;
    }
    if (value instanceof String s) {
      return "'" + printable(s) + "'";
    }
    return String.valueOf(value);
  }

  /** Control characters from the file are shown escaped, never sent to the terminal. */
  private static String printable(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    s.codePoints().forEach(c -> {
      if (Character.isISOControl(c)) {
        sb.append(String.format("\\u%04x", c));
      } else {
        sb.appendCodePoint(c);
      }
    });
    return sb.toString();
  }
}

package jdetr.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import jdetr.checkpoint.PickledObject;
import jdetr.checkpoint.PickledTensor;
import jdetr.checkpoint.PickledTuple;
import jdetr.checkpoint.TorchCheckpoint;
import jdetr.checkpoint.TorchCheckpointReader;
import jdetr.checkpoint.UnsafeCheckpointException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Opens an official PyTorch checkpoint with the safe reader: prints its format and top-level
 * entries and reads every tensor of the model state dict, or with {@code --list} prints each
 * tensor's name, stored dtype and shape without reading tensor data.
 */
@Command(name = "import",
    mixinStandardHelpOptions = true,
    description = "Check a PyTorch .pth checkpoint (safe reader: tensors only, nothing executed)"
        + " and list its model tensors.")
final class ImportCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--pth", required = true, description = "torch.save checkpoint (.pth)")
  Path pth;

  @Option(names = "--list", description = "list the model tensors: name, dtype, shape")
  boolean list;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (TorchCheckpoint checkpoint = new TorchCheckpointReader().open(pth)) {
      Map<String, PickledTensor> tensors = checkpoint.stateDict();
      if (list) {
        int width = tensors.keySet().stream().mapToInt(String::length).max().orElse(0);
        for (Map.Entry<String, PickledTensor> e : tensors.entrySet()) {
          PickledTensor t = e.getValue();
          out.printf("%-" + width + "s  %-8s  %s%n", printable(e.getKey()), t.storage().type().torchDtype(),
              Arrays.toString(t.shape()));
        }
        out.flush();
        return 0;
      }
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
      return 0;
    } catch (UnsafeCheckpointException e) {
      err.println("jdetr import: refused: " + e.getMessage());
      err.flush();
      return 2;
    } catch (NoSuchFileException e) {
      err.println("jdetr import: no such file: " + pth);
      err.flush();
      return 1;
    } catch (IOException e) {
      err.println("jdetr import: cannot read " + pth + ": " + e.getMessage());
      err.flush();
      return 1;
    }
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

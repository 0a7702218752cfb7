package jdetr.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jdetr.checkpoint.DetrWeights;
import jdetr.checkpoint.TorchCheckpoint;
import jdetr.checkpoint.TorchCheckpointReader;
import jdetr.checkpoint.TorchCheckpointReport;
import jdetr.checkpoint.UnsafeCheckpointException;
import jdetr.model.DetrConfig;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Opens an official PyTorch checkpoint with the safe reader: prints its format and top-level
 * entries and reads every tensor of the model state dict, or with {@code --list} prints each
 * tensor's name, stored dtype and shape without reading tensor data. {@code --weights DIR} does the
 * same for a weights directory (jdetr's or a transformers one): its architecture, and its tensors
 * under the reference names.
 */
@Command(name = "import",
    mixinStandardHelpOptions = true,
    description = "Check a PyTorch .pth checkpoint (safe reader: tensors only, nothing executed)"
        + " or a weights directory (jdetr or Hugging Face transformers) and list its model tensors.")
final class ImportCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  /** One source. */
  static final class Source {
    @Option(names = "--pth", required = true, description = "torch.save checkpoint (.pth)")
    Path pth;

    @Option(names = "--weights", required = true,
        description = "weights directory: jdetr's (model.json) or transformers' (config.json +"
            + " model.safetensors or pytorch_model.bin); a file is read as --pth")
    Path weights;
  }

  @ArgGroup(multiplicity = "1")
  Source source;

  @Option(names = "--list", description = "list the model tensors: name, dtype, shape")
  boolean list;

  @Option(names = "--nheads", defaultValue = "8",
      description = ".pth with --weights: attention heads (default ${DEFAULT-VALUE})")
  int nheads;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path file = source.pth != null ? source.pth : source.weights;
    try {
      if (source.weights != null && Files.isDirectory(source.weights)) {
        describeDirectory(source.weights, out);
        return 0;
      }
      try (TorchCheckpoint checkpoint = new TorchCheckpointReader().open(file)) {
        if (list) {
          TorchCheckpointReport.printTensors(checkpoint, out);
        } else {
          TorchCheckpointReport.printSummary(file, checkpoint, out);
        }
      }
      return 0;
    } catch (UnsafeCheckpointException e) {
      err.println("jdetr import: refused: " + e.getMessage());
      err.flush();
      return 2;
    } catch (NoSuchFileException e) {
      err.println("jdetr import: no such file: " + (e.getMessage().startsWith(file.toString()) ? e.getMessage() : file));
      err.flush();
      return 1;
    } catch (IOException e) {
      err.println("jdetr import: cannot read " + file + ": " + e.getMessage());
      err.flush();
      return 1;
    }
  }

  /** The directory's format, architecture and tensors (reference names), after a strict load. */
  private void describeDirectory(Path dir, PrintWriter out) throws IOException {
    DetrConfig base = DetrConfig.defaults().toBuilder().nheads(nheads).build();
    try (NDManager manager = NDManager.newBaseManager("PyTorch");
        DetrWeights w = DetrWeights.read(dir, base, manager)) {
      Map<String, NDArray> tensors = w.tensors();
      if (list) {
        int width = tensors.keySet().stream().mapToInt(String::length).max().orElse(0);
        tensors.forEach((name, t) -> out.printf(Locale.ROOT, "%-" + width + "s  %-8s  %s%n", name,
            t.getDataType(), Arrays.toString(t.getShape().getShape())));
      } else {
        w.build(manager);
        DetrConfig c = w.config();
        out.printf(Locale.ROOT, "%s: %s weights%n", dir, w.format().name().toLowerCase(Locale.ROOT));
        out.printf(Locale.ROOT, "  model: %s%n", c.toJson());
        out.printf(Locale.ROOT, "  categories: %d named of %d classes%n", w.categories().size(), c.numClasses());
        out.printf(Locale.ROOT, "read %d tensors, %d values; they load strictly into the model%n",
            tensors.size(), tensors.values().stream().mapToLong(NDArray::size).sum());
      }
      out.flush();
    }
  }
}

package jdetr.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import jdetr.checkpoint.TorchCheckpoint;
import jdetr.checkpoint.TorchCheckpointReader;
import jdetr.checkpoint.TorchCheckpointReport;
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
      if (list) {
        TorchCheckpointReport.printTensors(checkpoint, out);
      } else {
        TorchCheckpointReport.printSummary(pth, checkpoint, out);
      }
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
}

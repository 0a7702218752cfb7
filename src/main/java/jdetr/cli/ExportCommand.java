package jdetr.cli;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import jdetr.checkpoint.DetrWeights;
import jdetr.checkpoint.ModelWeights;
import jdetr.checkpoint.TransformersConfig;
import jdetr.checkpoint.TransformersWeights;
import jdetr.checkpoint.UnsafeCheckpointException;
import jdetr.engine.TorchWork;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `jdetr export`: weights from any source jdetr reads (official .pth, jdetr weights, transformers
 * directory), loaded strictly into their model, written as a Hugging Face transformers directory
 * or as jdetr weights under the reference's names.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Write weights as a Hugging Face transformers directory (config.json +"
        + " model.safetensors) or with the reference's tensor names (model.safetensors + model.json).")
final class ExportCommand implements Callable<Integer> {

  /** The layouts written. */
  enum Format { hf, official }

  @Spec CommandSpec spec;

  @Option(names = "--format", required = true,
      description = "hf: transformers layout (loads with from_pretrained); official: the reference's"
          + " names in model.safetensors, with model.json (jdetr's weights format)")
  Format format;

  @Option(names = "--weights", required = true,
      description = "official .pth, jdetr weights directory or transformers directory")
  Path weights;

  @Option(names = "--out", required = true, description = "directory to write (created)")
  Path out;

  @Option(names = "--dc5", description = ".pth only: the checkpoint is a DC5 model (dilated last stage)")
  boolean dc5;

  @Option(names = "--nheads", defaultValue = "8", description = ".pth only: attention heads (default ${DEFAULT-VALUE})")
  int nheads;

  @Override
  public Integer call() {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    DetrConfig pthBase = DetrConfig.defaults().toBuilder().dilation(dc5).nheads(nheads).build();
    try (TorchWork.Scope work = TorchWork.enter("export");
        NDManager manager = NDManager.newBaseManager("PyTorch")) {
      checkTarget();
      DetectionTransformer model;
      DetrConfig config;
      try (DetrWeights read = DetrWeights.read(weights, pthBase, manager)) {
        model = read.build(manager);
        config = read.config();
        if (format == Format.hf) {
          List<String> left = TransformersWeights.write(out, model.stateDict(), config, read.categories(), manager);
          left.forEach(l -> stdout.println("not written: " + l));
        } else {
          ModelWeights.save(out, model, read.categories());
        }
      }
      stdout.printf(Locale.ROOT, "wrote %s (%s, %s %s, %d classes)%n", out,
          format == Format.hf ? "transformers layout" : "reference names", config.architecture().jsonName(),
          config.backbone(), config.numClasses());
      stdout.flush();
      return 0;
    } catch (UnsafeCheckpointException e) {
      err.println("jdetr export: refused: " + e.getMessage());
      err.flush();
      return 2;
    } catch (NoSuchFileException e) {
      err.println("jdetr export: no such file: " + e.getMessage());
      err.flush();
      return 1;
    } catch (IOException | IllegalArgumentException e) {
      err.println("jdetr export: " + e.getMessage());
      err.flush();
      return 1;
    }
  }

  /** Neither the source itself nor a directory holding the other format's description. */
  private void checkTarget() throws IOException {
    if (Files.exists(out) && Files.isSameFile(out, weights)) {
      throw new IOException("--out " + out + " is the --weights being read");
    }
    String other = format == Format.hf ? ModelWeights.DESCRIPTION : TransformersConfig.FILE;
    if (Files.exists(out.resolve(other))) {
      throw new IOException("--out " + out + " holds " + other + " (weights of the other format);"
          + " choose another directory");
    }
  }
}

package jdetr.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import jdetr.serve.DetectorChoice;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Which detector a serving command runs: `--detector` and `--weights`. */
final class DetectorOptions {

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(names = "--weights", paramLabel = "<checkpoint>",
      description = "jdetr weights directory (model.safetensors + model.json), Hugging Face transformers"
          + " directory (config.json + model.safetensors) or official DETR .pth to serve (detector detr).")
  Path weights;

  @Option(names = "--detector", defaultValue = DetectorChoice.DETR, paramLabel = "<name>",
      description = "detr: the DETR model of --weights (default). shapes-threshold: a built-in colour-threshold "
          + "finder of flat coloured rectangles, ellipses and triangles, for demos without a trained model.")
  String detector;

  @Mixin
  InferenceOptions inference = new InferenceOptions();

  @Option(names = "--dc5", description = ".pth only: the checkpoint is a DC5 model (dilated last stage).")
  boolean dc5;

  @Option(names = "--nheads", defaultValue = "8", description = ".pth only: attention heads (default ${DEFAULT-VALUE}).")
  int nheads;

  /** The chosen detector, after checking the options fit together. */
  DetectorChoice choice() {
    switch (detector) {
      case DetectorChoice.SHAPES_THRESHOLD:
        if (weights != null) {
          throw new ParameterException(spec.commandLine(),
              "--weights is not used by --detector " + DetectorChoice.SHAPES_THRESHOLD);
        }
        return DetectorChoice.shapesThreshold();
      case DetectorChoice.DETR:
        if (weights == null) {
          throw new ParameterException(spec.commandLine(), "--weights <checkpoint> is required (or --detector "
              + DetectorChoice.SHAPES_THRESHOLD + " for the demo detector)");
        }
        if (!Files.exists(weights)) {
          throw new ParameterException(spec.commandLine(), "--weights " + weights + ": no such file or directory");
        }
        try {
          return DetectorChoice.detr(weights, dc5, nheads, inference.device(), inference.precision());
        } catch (IllegalArgumentException e) {
          throw new ParameterException(spec.commandLine(), e.getMessage());
        }
      default:
        throw new ParameterException(spec.commandLine(), "--detector " + detector + ": unknown (available: "
            + DetectorChoice.DETR + ", " + DetectorChoice.SHAPES_THRESHOLD + ")");
    }
  }
}

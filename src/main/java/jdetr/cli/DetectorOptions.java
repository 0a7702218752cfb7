package jdetr.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import jdetr.model.DetrConfig;
import jdetr.serve.DetectorFactory;
import jdetr.serve.DetrDetector;
import jdetr.serve.ShapesThresholdDetector;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Which detector a serving command runs: `--detector` and `--weights`. */
final class DetectorOptions {

  static final String DETR = "detr";
  static final String SHAPES_THRESHOLD = "shapes-threshold";

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(names = "--weights", paramLabel = "<checkpoint>",
      description = "jdetr weights directory (model.safetensors + model.json) or official DETR .pth to serve "
          + "(detector detr).")
  Path weights;

  @Option(names = "--detector", defaultValue = DETR, paramLabel = "<name>",
      description = "detr: the DETR model of --weights (default). shapes-threshold: a built-in colour-threshold "
          + "finder of flat coloured rectangles, ellipses and triangles, for demos without a trained model.")
  String detector;

  @Option(names = "--dc5", description = ".pth only: the checkpoint is a DC5 model (dilated last stage).")
  boolean dc5;

  @Option(names = "--nheads", defaultValue = "8", description = ".pth only: attention heads (default ${DEFAULT-VALUE}).")
  int nheads;

  /** The factory for the chosen detector, after checking the options fit together. */
  DetectorFactory factory() {
    switch (detector) {
      case SHAPES_THRESHOLD:
        if (weights != null) {
          throw new ParameterException(spec.commandLine(), "--weights is not used by --detector " + SHAPES_THRESHOLD);
        }
        return config -> new ShapesThresholdDetector();
      case DETR:
        if (weights == null) {
          throw new ParameterException(spec.commandLine(),
              "--weights <checkpoint> is required (or --detector " + SHAPES_THRESHOLD + " for the demo detector)");
        }
        if (!Files.exists(weights)) {
          throw new ParameterException(spec.commandLine(), "--weights " + weights + ": no such file or directory");
        }
        DetrConfig pthBase = DetrConfig.defaults().toBuilder().dilation(dc5).nheads(nheads).build();
        Path w = weights;
        return config -> DetrDetector.load(w, config, pthBase);
      default:
        throw new ParameterException(spec.commandLine(),
            "--detector " + detector + ": unknown (available: " + DETR + ", " + SHAPES_THRESHOLD + ")");
    }
  }
}

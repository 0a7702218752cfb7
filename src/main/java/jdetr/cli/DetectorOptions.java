package jdetr.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import jdetr.serve.DetectorFactory;
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
      description = "Checkpoint directory or official .pth file of the model to serve (detector detr).")
  Path weights;

  @Option(names = "--detector", defaultValue = DETR, paramLabel = "<name>",
      description = "detr: the DETR model of --weights (default). shapes-threshold: a built-in colour-threshold "
          + "finder of flat coloured rectangles, ellipses and triangles, for demos without a trained model.")
  String detector;

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
        throw new ParameterException(spec.commandLine(), "--detector " + DETR
            + ": this build has no DETR model binding yet (jdetr.model.Detr); available: " + SHAPES_THRESHOLD);
      default:
        throw new ParameterException(spec.commandLine(),
            "--detector " + detector + ": unknown (available: " + DETR + ", " + SHAPES_THRESHOLD + ")");
    }
  }
}

package jdetr.cli;

import jdetr.bench.InferBenchRun;
import jdetr.engine.Precision;
import jdetr.model.DetrConfig;
import jdetr.model.InferenceCast;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code jdetr bench infer}: the options of {@link InferBenchRun} (default R50). */
@Command(name = "infer", mixinStandardHelpOptions = true,
    description = "Time DETR or Deformable DETR inference (random weights) on one image size.")
final class BenchInferCommand implements Runnable {

  @Option(names = "--height", defaultValue = "800", description = "image height (default 800)")
  int height;

  @Option(names = "--width", defaultValue = "1066", description = "image width (default 1066)")
  int width;

  @Option(names = "--batch", defaultValue = "1", description = "images per forward (default 1)")
  int batch;

  @Option(names = "--threads", defaultValue = "0",
      description = "libtorch intra-op threads (default: available processors)")
  int threads;

  @Option(names = "--warmup", defaultValue = "2", description = "untimed passes (default 2)")
  int warmup;

  @Option(names = "--iterations", defaultValue = "5", description = "timed passes (default 5)")
  int iterations;

  @Option(names = "--backbone", defaultValue = "resnet50", description = "resnet18/34/50/101")
  String backbone;

  @Option(names = "--dilation", description = "DC5 backbone")
  boolean dilation;

  @Option(names = "--masks", description = "DETRsegm: DETR with the mask head (DETR only)")
  boolean masks;

  @Option(names = "--architecture", defaultValue = "detr",
      description = "detr or deformable_detr (its reference defaults) (default detr)")
  String architecture;

  @Mixin
  InferenceOptions inference;

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    int intraOp = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    DetrConfig config = DetrConfig.builder(DetrConfig.Architecture.parse(architecture))
        .backbone(backbone).dilation(dilation).masks(masks).build();
    Precision precision = inference.precision();
    try {
      InferenceCast.requireSupported(config, precision.dataType());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    new InferBenchRun(config, height, width, batch, intraOp, warmup, iterations, inference.device(),
        precision).run();
  }
}

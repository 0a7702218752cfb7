package jdetr.cli;

import jdetr.engine.CpuFlags;
import jdetr.engine.DeviceSpec;
import jdetr.engine.Precision;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code --device} and {@code --precision} of the commands that run a model for inference. */
final class InferenceOptions {

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(names = "--device", defaultValue = "cpu", paramLabel = "<device>",
      description = "cpu (default), cuda or cuda:N; cuda needs a CUDA libtorch (see `jdetr engine`)")
  String device;

  @Option(names = "--precision", defaultValue = "fp32", paramLabel = "<fp32|bf16>",
      description = "fp32 (default), or bf16 on a CPU with avx512_bf16 or amx_bf16: DETR's backbone and"
          + " transformer in bfloat16 (Deformable DETR's backbone only), post-processing in fp32")
  String precision;

  /** The device, checked against the loaded libtorch; a usage error otherwise. */
  DeviceSpec device() {
    try {
      DeviceSpec d = DeviceSpec.parse(device, "--device");
      d.requireAvailable();
      return d;
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  /** The precision, refused where it would not run natively; a usage error otherwise. */
  Precision precision() {
    try {
      Precision p = Precision.parse(precision, "--precision");
      p.requireSupported(DeviceSpec.parse(device, "--device"), CpuFlags.local());
      return p;
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}

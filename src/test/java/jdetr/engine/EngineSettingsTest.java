package jdetr.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** libtorch selection, CPU flags, precision and the flavour jdetr names: plain logic. */
class EngineSettingsTest {

  @Test
  void offlineByDefaultTheUsersChoiceOtherwise() {
    assertThat(LibtorchSelection.offlineSetting(Map.of(), null)).isEqualTo("true");
    // an installed libtorch is loaded offline: the JNI glue of cpu and cu128 is in the jar
    assertThat(LibtorchSelection.offlineSetting(Map.of("PYTORCH_LIBRARY_PATH", "/opt/libtorch/lib",
        "PYTORCH_FLAVOR", "cu128"), null)).isEqualTo("true");
    assertThat(LibtorchSelection.offlineSetting(Map.of("JDETR_ALLOW_DOWNLOAD", "1"), null)).isEqualTo("false");
    assertThat(LibtorchSelection.offlineSetting(Map.of("JDETR_ALLOW_DOWNLOAD", "true"), null)).isEqualTo("false");
    assertThat(LibtorchSelection.offlineSetting(Map.of("JDETR_ALLOW_DOWNLOAD", "0"), null)).isEqualTo("true");
    // -Dai.djl.offline=... on the command line is left alone
    assertThat(LibtorchSelection.offlineSetting(Map.of("JDETR_ALLOW_DOWNLOAD", "1"), "true")).isNull();
    assertThat(LibtorchSelection.offlineSetting(Map.of(), "false")).isNull();
  }

  @Test
  void flavourFromTheUserTheCacheDirectoryOrTheCapabilities() {
    assertThat(EngineInfo.flavour("cu128", "/opt/libtorch/lib", true)).isEqualTo("cu128");
    assertThat(EngineInfo.flavour(null, "/root/.djl.ai/pytorch/2.7.1-20250812-cpu-linux-x86_64", false))
        .isEqualTo("cpu");
    assertThat(EngineInfo.flavour(null, "/root/.djl.ai/pytorch/2.7.1-cu128-linux-x86_64", true))
        .isEqualTo("cu128");
    assertThat(EngineInfo.flavour(" ", "/opt/libtorch/lib", true)).isEqualTo("cuda");
    assertThat(EngineInfo.flavour(null, null, false)).isEqualTo("cpu");
  }

  @Test
  void cpuFlagsFromCpuinfo() {
    String cpuinfo = "processor\t: 0\nflags\t\t: fpu sse avx2 avx512f avx512_bf16\nbugs\t\t: none\n"
        + "processor\t: 1\nflags\t\t: fpu sse avx2 avx512f avx512_bf16\n";
    CpuFlags flags = CpuFlags.parse(cpuinfo);
    assertThat(flags.flags()).contains("avx512_bf16", "avx2").doesNotContain("none", "");
    assertThat(flags.bf16Isa()).isEqualTo("avx512_bf16");
    assertThat(CpuFlags.parse("flags : avx512_bf16 amx_bf16 amx_tile\n").bf16Isa()).isEqualTo("amx_bf16");
    assertThat(CpuFlags.parse("flags : avx2 avx512f\n").bf16()).isFalse();
    assertThat(CpuFlags.parse("").bf16Isa()).isEqualTo(CpuFlags.NONE);
  }

  @Test
  void precisionParsesAndRefusesBf16WithoutTheInstructions() {
    assertThat(Precision.parse("fp32", "--precision")).isEqualTo(Precision.FP32);
    assertThat(Precision.parse("BF16", "--precision")).isEqualTo(Precision.BF16);
    assertThat(Precision.BF16.toString()).isEqualTo("bf16");
    assertThatThrownBy(() -> Precision.parse("fp16", "--precision"))
        .hasMessage("--precision: unknown precision 'fp16' (expected fp32 or bf16)");
    CpuFlags old = CpuFlags.parse("flags : avx2 avx512f\n");
    CpuFlags bf16 = CpuFlags.parse("flags : avx512f avx512_bf16\n");
    Precision.FP32.requireSupported(DeviceSpec.CPU, old);
    Precision.BF16.requireSupported(DeviceSpec.CPU, bf16);
    assertThatThrownBy(() -> Precision.BF16.requireSupported(DeviceSpec.CPU, old))
        .hasMessageContaining("no bfloat16 instructions")
        .hasMessageContaining("Use --precision fp32");
    assertThatThrownBy(() -> Precision.BF16.requireSupported(new DeviceSpec("cuda", 0), bf16))
        .hasMessageContaining("on cuda:0 use fp32");
  }

  @Test
  void kernelsNameTheLibraryPrecisionAndInstructions() {
    EngineInfo cpu = new EngineInfo("PyTorch", "2.7.1", "cpu", "/x", 0, java.util.List.of("cpu"),
        java.util.List.of("MKLDNN", "MKL"), "avx512_bf16");
    assertThat(cpu.kernels(DeviceSpec.CPU, Precision.FP32)).isEqualTo("onednn-fp32");
    assertThat(cpu.kernels(DeviceSpec.CPU, Precision.BF16)).isEqualTo("onednn-bf16-avx512_bf16");
    EngineInfo gpu = new EngineInfo("PyTorch", "2.7.1", "cu128", "/x", 1, java.util.List.of("cpu", "cuda:0"),
        java.util.List.of("CUDA", "CUDNN"), "none");
    assertThat(gpu.kernels(new DeviceSpec("cuda", 0), Precision.FP32)).isEqualTo("cudnn-fp32");
    assertThat(gpu.toJson().get("devices").toString()).isEqualTo("[\"cpu\",\"cuda:0\"]");
  }
}

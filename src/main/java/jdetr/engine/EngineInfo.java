package jdetr.engine;

import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.pytorch.jni.LibUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The libtorch jdetr runs on, as DJL loaded it: version, flavour ({@code cpu}, {@code cu128} …),
 * where it was loaded from, the CUDA devices it sees and whether the CPU has bf16 instructions.
 *
 * @param flavour {@code PYTORCH_FLAVOR} when the user set it, else read off the library's
 *     directory name ({@code 2.7.1-20250812-cpu-linux-x86_64}), else {@code cuda}/{@code cpu}
 *     from the engine's capabilities
 * @param devices {@code cpu} and {@code cuda:N} for every GPU the engine sees
 * @param cpuBf16Isa the CPU's bfloat16 instructions, amx_bf16, avx512_bf16 or none
 *     ({@link Precision#requireSupported})
 */
public record EngineInfo(String engine, String version, String flavour, String libraryPath,
    int gpuCount, List<String> devices, List<String> capabilities, String cpuBf16Isa) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the loaded PyTorch engine reports (loads it if it is not yet). */
  public static EngineInfo loaded() {
    Engine e = Engine.getEngine("PyTorch");
    int gpus = e.getGpuCount();
    List<String> devices = new ArrayList<>(List.of("cpu"));
    for (int i = 0; i < gpus; i++) {
      devices.add("cuda:" + i);
    }
    List<String> caps = new ArrayList<>();
    for (String c : List.of(StandardCapabilities.CUDA, StandardCapabilities.CUDNN,
        StandardCapabilities.MKL, StandardCapabilities.MKLDNN, StandardCapabilities.OPENMP)) {
      if (e.hasCapability(c)) {
        caps.add(c);
      }
    }
    String path = LibUtils.getLibtorchPath();
    return new EngineInfo(e.getEngineName(), e.getVersion(),
        flavour(System.getenv("PYTORCH_FLAVOR"), path, caps.contains(StandardCapabilities.CUDA)),
        path, gpus, List.copyOf(devices), List.copyOf(caps), CpuFlags.local().bf16Isa());
  }

  /** The flavour: the user's {@code PYTORCH_FLAVOR}, else DJL's cache directory name, else cpu/cuda. */
  static String flavour(String override, String libraryPath, boolean cuda) {
    if (override != null && !override.isBlank()) {
      return override.trim();
    }
    if (libraryPath != null) {
      for (String part : libraryPath.replace('\\', '/').toLowerCase(Locale.ROOT).split("[/-]")) {
        if (part.equals("cpu") || part.matches("cu\\d{2,4}")) {
          return part;
        }
      }
    }
    return cuda ? "cuda" : "cpu";
  }

  /**
   * The kernels libtorch picks for a model's convolutions and matrix products on {@code device}
   * in {@code precision}: {@code cuda} (cudnn), or on the CPU {@code onednn} (libtorch built
   * with MKLDNN) or {@code aten}, and for bf16 the instructions oneDNN uses (amx_bf16 before
   * avx512_bf16). What libtorch documents for its CPU build; checked here once with
   * {@code ONEDNN_VERBOSE=1} (README).
   */
  public String kernels(DeviceSpec device, Precision precision) {
    if (device.isCuda()) {
      return (capabilities.contains(StandardCapabilities.CUDNN) ? "cudnn" : "cuda") + "-" + precision;
    }
    String library = capabilities.contains(StandardCapabilities.MKLDNN) ? "onednn" : "aten";
    return library + "-" + precision + (precision == Precision.BF16 ? "-" + cpuBf16Isa : "");
  }

  /** "libtorch 2.7.1, flavour cpu, from DIR" for messages. */
  public String describe() {
    return "libtorch " + version + ", flavour " + flavour + ", from " + libraryPath;
  }

  public ObjectNode toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("engine", engine).put("version", version).put("flavour", flavour)
        .put("library_path", libraryPath).put("gpus", gpuCount);
    devices.forEach(n.putArray("devices")::add);
    capabilities.forEach(n.putArray("capabilities")::add);
    n.put("cpu_bf16", cpuBf16Isa).put("threads", Runtime.getRuntime().availableProcessors());
    return n;
  }

  /** The human-readable form of {@code jdetr engine}. */
  public List<String> lines() {
    return List.of(
        "engine:       " + engine + " (libtorch " + version + ", flavour " + flavour + ")",
        "loaded from:  " + libraryPath,
        "devices:      " + String.join(", ", devices) + (gpuCount == 0 ? "  (no CUDA device seen)" : ""),
        "capabilities: " + String.join(", ", capabilities),
        "cpu bf16:     " + cpuBf16Isa + (cpuBf16Isa.equals(CpuFlags.NONE) ? " (--precision bf16 refused)"
            : " (--precision bf16 available)"),
        "threads:      " + Runtime.getRuntime().availableProcessors());
  }
}

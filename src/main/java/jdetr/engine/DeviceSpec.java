package jdetr.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the model, every tensor of a step and the optimizer state live: {@code cpu} (the default)
 * or the CUDA device {@code cuda:N} ({@code cuda} means {@code cuda:0}). Parsed once from the
 * recipe key {@code device} or a command's {@code --device}; {@link #requireOn} checks it against
 * the libtorch that was loaded before anything is built.
 *
 * @param kind {@code cpu} or {@code cuda}
 * @param index the CUDA device's ordinal; 0 for the CPU
 */
public record DeviceSpec(String kind, int index) {

  /** The CPU: the default device. */
  public static final DeviceSpec CPU = new DeviceSpec("cpu", 0);

  private static final Pattern CUDA = Pattern.compile("cuda(?::(\\d{1,4}))?");

  public DeviceSpec {
    if (!kind.equals("cpu") && !kind.equals("cuda")) {
      throw new IllegalArgumentException("device kind must be cpu or cuda, got " + kind);
    }
    if (index < 0 || (kind.equals("cpu") && index != 0)) {
      throw new IllegalArgumentException("device " + kind + ": bad index " + index);
    }
  }

  /**
   * {@code cpu}, {@code cuda} or {@code cuda:N}; anything else is refused naming {@code source}
   * (the recipe key or the option) and the accepted forms.
   */
  public static DeviceSpec parse(String text, String source) {
    String t = text == null ? "" : text.trim();
    if (t.equals("cpu")) {
      return CPU;
    }
    Matcher m = CUDA.matcher(t);
    if (m.matches()) {
      return new DeviceSpec("cuda", m.group(1) == null ? 0 : Integer.parseInt(m.group(1)));
    }
    throw new IllegalArgumentException(source + ": unknown device '" + text
        + "' (expected cpu, cuda or cuda:N, N the GPU's ordinal)");
  }

  public boolean isCuda() {
    return kind.equals("cuda");
  }

  /** DJL's device. */
  public Device djl() {
    return isCuda() ? Device.gpu(index) : Device.cpu();
  }

  /**
   * Checks that {@code engine} has this device.
   *
   * @throws IllegalArgumentException naming the loaded flavour and how to load a CUDA libtorch
   */
  public void requireOn(EngineInfo engine) {
    if (!isCuda()) {
      return;
    }
    if (engine.gpuCount() == 0) {
      throw new IllegalArgumentException("device " + this + ": the loaded libtorch is "
          + engine.describe() + " and sees no CUDA device. To run on a GPU, load a CUDA libtorch: "
          + "PYTORCH_LIBRARY_PATH=/path/to/libtorch/lib PYTORCH_FLAVOR=cu128 PYTORCH_VERSION="
          + engine.version() + " (or " + LibtorchSelection.ALLOW_DOWNLOAD + "=1 with PYTORCH_FLAVOR=cu128"
          + " to let DJL download it); `jdetr engine` shows what is loaded");
    }
    if (index >= engine.gpuCount()) {
      throw new IllegalArgumentException("device " + this + ": the loaded libtorch ("
          + engine.describe() + ") sees " + engine.gpuCount() + " CUDA device(s): cuda:0"
          + (engine.gpuCount() > 1 ? " .. cuda:" + (engine.gpuCount() - 1) : ""));
    }
  }

  /** {@link #requireOn} the loaded engine (the CPU needs no check). */
  public void requireAvailable() {
    if (isCuda()) {
      requireOn(EngineInfo.loaded());
    }
  }

  /** {@link #requireAvailable}, then a base manager on this device. */
  public NDManager newManager() {
    requireAvailable();
    return NDManager.newBaseManager(djl(), "PyTorch");
  }

  @Override
  public String toString() {
    return isCuda() ? "cuda:" + index : "cpu";
  }
}

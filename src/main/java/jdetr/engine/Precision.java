package jdetr.engine;

import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * The number format of inference: {@code fp32} (the default, the reference's) or {@code bf16}
 * (on a CPU with bf16 instructions: DETR's backbone and transformer in bfloat16, Deformable DETR's
 * backbone only; post-processing in fp32).
 */
public enum Precision {
  FP32(DataType.FLOAT32),
  BF16(DataType.BFLOAT16);

  private final DataType dataType;

  Precision(DataType dataType) {
    this.dataType = dataType;
  }

  /** The model's parameter and activation type. */
  public DataType dataType() {
    return dataType;
  }

  /** {@code fp32} or {@code bf16}; anything else is refused naming {@code source}. */
  public static Precision parse(String text, String source) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    return switch (t) {
      case "fp32", "float32" -> FP32;
      case "bf16", "bfloat16" -> BF16;
      default -> throw new IllegalArgumentException(source + ": unknown precision '" + text
          + "' (expected fp32 or bf16)");
    };
  }

  /**
   * Refuses bf16 on {@code device} when it would run slowly: on a CPU whose flags name neither
   * avx512_bf16 nor amx_bf16, and (until it has run on one) on a CUDA device.
   */
  public void requireSupported(DeviceSpec device, CpuFlags cpu) {
    if (this != BF16) {
      return;
    }
    if (device.isCuda()) {
      throw new IllegalArgumentException("--precision bf16 is for CPU inference; on " + device
          + " use fp32 (bf16 on a GPU has not been tried)");
    }
    if (!cpu.bf16()) {
      throw new IllegalArgumentException("--precision bf16: this CPU has no bfloat16 instructions "
          + "(neither avx512_bf16 nor amx_bf16 in /proc/cpuinfo); libtorch would emulate them, "
          + "slower than fp32. Use --precision fp32");
    }
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}

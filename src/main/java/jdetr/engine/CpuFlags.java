package jdetr.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * The instruction-set flags of the CPU, as Linux lists them on the {@code flags} lines of
 * {@code /proc/cpuinfo}; empty where that file does not exist (then nothing is assumed).
 */
public record CpuFlags(Set<String> flags) {

  /** No bfloat16 instructions. */
  public static final String NONE = "none";
  private static final Path CPUINFO = Path.of("/proc/cpuinfo");

  public CpuFlags {
    flags = Set.copyOf(flags);
  }

  /** The flags of the CPU this JVM runs on. */
  public static CpuFlags local() {
    try {
      return Files.isReadable(CPUINFO) ? parse(Files.readString(CPUINFO)) : new CpuFlags(Set.of());
    } catch (IOException e) {
      return new CpuFlags(Set.of());
    }
  }

  /** The union of the {@code flags : ...} lines of a cpuinfo text. */
  public static CpuFlags parse(String cpuinfo) {
    Set<String> out = new TreeSet<>();
    for (String line : cpuinfo.split("\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equals("flags")) {
        out.addAll(Arrays.asList(line.substring(colon + 1).trim().split("\\s+")));
      }
    }
    out.remove("");
    return new CpuFlags(out);
  }

  /** AVX512-BF16 or AMX-BF16: oneDNN runs bfloat16 convolutions and matrix products natively. */
  public boolean bf16() {
    return !bf16Isa().equals(NONE);
  }

  /** The best bfloat16 instructions: {@code amx_bf16}, {@code avx512_bf16} or {@link #NONE}. */
  public String bf16Isa() {
    return flags.contains("amx_bf16") ? "amx_bf16" : flags.contains("avx512_bf16") ? "avx512_bf16" : NONE;
  }
}

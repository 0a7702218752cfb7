package jdetr.bench;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Memory of this process in MB: resident set (and its peak) from {@code /proc/self/status}
 * (-1 where there is none), the Java heap, the JVM's other committed memory and direct buffers.
 * What the resident set holds beyond the JVM's own memory is native: libtorch's tensors and
 * allocator caches.
 */
public record ProcessMemory(double rssMb, double peakRssMb, double heapUsedMb, double heapCommittedMb,
    double nonHeapCommittedMb, double directMb) {

  public static ProcessMemory now() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    double direct = 0;
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        direct = pool.getMemoryUsed();
      }
    }
    return new ProcessMemory(statusKb("VmRSS:") / 1024.0, statusKb("VmHWM:") / 1024.0,
        mb(memory.getHeapMemoryUsage().getUsed()), mb(memory.getHeapMemoryUsage().getCommitted()),
        mb(memory.getNonHeapMemoryUsage().getCommitted()), mb(direct));
  }

  /** Resident memory not committed by the JVM itself (heap, metaspace, code, direct buffers). */
  public double nativeMb() {
    return rssMb - heapCommittedMb - nonHeapCommittedMb - directMb;
  }

  private static double mb(double bytes) {
    return bytes / (1024.0 * 1024.0);
  }

  private static long statusKb(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1024;
    }
    return -1024;
  }
}

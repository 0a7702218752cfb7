package jdetr.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * CPU time of this process, all threads (libtorch's native ones included), and the part of it
 * spent by the JIT compiler threads. Benchmarks report work without the compiler: code run only by
 * one phase (the server's per-frame path, the load client's) is still being compiled minutes into
 * a run at a few frames per second, and that one-off cost is not what a phase costs in a warm server.
 * The compiler threads are found by name in /proc/self/task (Linux); elsewhere their time counts as 0.
 */
final class ProcessCpu {

  private static final Path TASKS = Path.of("/proc/self/task");
  /** Clock ticks per second of /proc's counters (USER_HZ, 100 on Linux). */
  private static final double TICKS_PER_SECOND = 100;

  private ProcessCpu() {}

  /** CPU time of the whole process so far. */
  static long totalNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** CPU time of the JIT compiler threads so far (0 where /proc is not there). */
  static long compilerNanos() {
    if (!Files.isDirectory(TASKS)) {
      return 0;
    }
    long ticks = 0;
    try (Stream<Path> tasks = Files.list(TASKS)) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        ticks += compilerTicks(task);
      }
    } catch (IOException e) {
      return 0;
    }
    return (long) (ticks / TICKS_PER_SECOND * 1e9);
  }

  /** CPU time of the process without the compiler threads. */
  static long workNanos() {
    return totalNanos() - compilerNanos();
  }

  private static long compilerTicks(Path task) {
    try {
      String stat = Files.readString(task.resolve("stat"));
      String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (!name.startsWith("C1 Compiler") && !name.startsWith("C2 Compiler")) {
        return 0;
      }
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime + stime
    } catch (IOException | RuntimeException e) {
      return 0; // the thread ended meanwhile
    }
  }
}

package jdetr.engine;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;

/**
 * Where the thread that owns the model spent one training step, in nanoseconds: of wall time, or
 * of the process's CPU time (every thread, libtorch's included; the OS counts it in ticks of a
 * few milliseconds, so short stages read 0 or one tick and only sums over many steps are fair).
 * The stages add up to the whole of {@link TrainStep#run}.
 *
 * @param forwardNs the model's forward of every micro-batch (and the batch copied into tensors)
 * @param matchSendNs handing each micro-batch's predictions to the matching source: the copy to
 *     the host and, for the local matcher, the whole matching; over the event bus, building and
 *     sending the requests
 * @param matchWaitNs blocked until the matchings of a micro-batch arrived
 * @param lossNs the set criterion of every micro-batch (and its values read for the log)
 * @param backwardNs backward of every micro-batch, and freeing its graph
 * @param optimizerNs zeroing gradients, global-norm clipping and the AdamW step
 */
public record StageTimes(long forwardNs, long matchSendNs, long matchWaitNs, long lossNs,
    long backwardNs, long optimizerNs) {

  /** No stage measured (a log not made by {@link TrainStep}). */
  public static final StageTimes NONE = new StageTimes(0, 0, 0, 0, 0, 0);

  /** Pure compute: forward, loss, backward and optimizer (matching excluded). */
  public long computeNs() {
    return forwardNs + lossNs + backwardNs + optimizerNs;
  }

  /** Time the step spent on matching: sending and waiting. */
  public long matchingNs() {
    return matchSendNs + matchWaitNs;
  }

  /** Every stage: the whole step. */
  public long totalNs() {
    return computeNs() + matchingNs();
  }

  /** Accumulates stage times as laps of the wall and CPU clocks, on the model's thread only. */
  static final class Meter {
    private static final OperatingSystemMXBean OS =
        (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    static final int FORWARD = 0;
    static final int MATCH_SEND = 1;
    static final int MATCH_WAIT = 2;
    static final int LOSS = 3;
    static final int BACKWARD = 4;
    static final int OPTIMIZER = 5;

    private final long[] wall = new long[6];
    private final long[] cpu = new long[6];
    private long lastWall = System.nanoTime();
    private long lastCpu = OS.getProcessCpuTime();

    /** Adds the time since the previous lap to {@code stage}. */
    void lap(int stage) {
      long now = System.nanoTime();
      long cpuNow = OS.getProcessCpuTime();
      wall[stage] += now - lastWall;
      cpu[stage] += cpuNow - lastCpu;
      lastWall = now;
      lastCpu = cpuNow;
    }

    StageTimes wall() {
      return of(wall);
    }

    StageTimes cpu() {
      return of(cpu);
    }

    private static StageTimes of(long[] ns) {
      return new StageTimes(ns[FORWARD], ns[MATCH_SEND], ns[MATCH_WAIT], ns[LOSS], ns[BACKWARD],
          ns[OPTIMIZER]);
    }
  }
}

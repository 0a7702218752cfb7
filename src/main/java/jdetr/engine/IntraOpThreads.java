package jdetr.engine;

import ai.djl.pytorch.jni.JniUtils;

/**
 * libtorch's intra-op threads (an OpenMP team per thread that runs parallel operators).
 *
 * <p>libgomp shortens every team's spin-wait to a few microseconds once it manages more threads
 * than there are cores. A second team in the trainer's JVM (the eval stage's, two more threads on a
 * 2-core machine) therefore makes the trainer's team sleep and wake around each of its many short
 * parallel regions: the demo's steps went from 1.0 to 1.5 s after the first evaluation, with a
 * third of the CPU idle. A stage that runs beside the trainer keeps to one intra-op thread, which
 * creates no team.
 */
public final class IntraOpThreads {
  private IntraOpThreads() {}

  /**
   * Runs the calling thread's operators on the calling thread only. libtorch also keeps the count
   * as the default of threads that start parallel work later, so call it only once the process's
   * main torch thread (the trainer) has run.
   */
  public static void oneOnThisThread() {
    JniUtils.setNumThreads(1);
  }
}

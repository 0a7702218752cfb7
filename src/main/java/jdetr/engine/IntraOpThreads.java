package jdetr.engine;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * How many threads libtorch's parallel operators use on the calling thread (its OpenMP team).
 *
 * <p>libtorch keeps the count per thread, but a thread takes it from the process-wide "last count
 * set by anyone" at its first parallel operator, and setting it on one thread also changes that
 * process-wide value. So a thread that owns a model fixes its own count when it starts
 * ({@link #use}): from then on no other thread's choice reaches it, whatever order the threads
 * start in.
 *
 * <p>Why a stage beside the trainer wants one thread: libgomp shortens every team's spin-wait to a
 * few microseconds once it manages more threads than there are cores. A second team in the
 * trainer's JVM (the eval stage's: two more threads on a 2-core machine) made the trainer's team
 * sleep and wake around each of its many short parallel regions; the demo's steps went from 1.0
 * to 1.5 s after the first evaluation, with a third of the CPU idle. One intra-op thread creates
 * no team.
 */
public final class IntraOpThreads {
  private IntraOpThreads() {}

  /**
   * libtorch's own count for the process ({@code OMP_NUM_THREADS}, else the machine's cores), as
   * it stood before any thread of ours changed it.
   */
  public static int processDefault() {
    return Default.COUNT;
  }

  /** Makes the calling thread's parallel operators use {@code threads} threads from now on. */
  public static void use(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("intra-op threads must be >= 1, got " + threads);
    }
    processDefault(); // read before the first change
    // this thread's first parallel operator would take the process-wide count; take it now, then
    // replace it with ours
    JniUtils.getNumThreads();
    JniUtils.setNumThreads(threads);
  }

  /** {@link #use} with {@link #processDefault()}. */
  public static void useProcessDefault() {
    use(processDefault());
  }

  /** The calling thread's count. */
  public static int onThisThread() {
    Engine.getEngine("PyTorch");
    return JniUtils.getNumThreads();
  }

  private static final class Default {
    static final int COUNT = read();

    private static int read() {
      Engine.getEngine("PyTorch"); // loads libtorch
      return JniUtils.getNumThreads();
    }
  }
}

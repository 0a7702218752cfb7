package jdetr.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import jdetr.model.RunningStatistics;

/**
 * Runs a step's two micro-batches at once ({@link MicroBatching} with two threads): the first on
 * the calling thread, the second on a helper thread, each with half the caller's intra-op threads
 * (at least one) and its batch-norm running statistics collected apart, then applied in
 * micro-batch order. The helper records autograd itself (libtorch's grad mode is per thread) and
 * backpropagates through libtorch directly: DJL allows one gradient collector per JVM, which the
 * calling thread holds. The helper thread ends after 30 s without work.
 */
final class ConcurrentMicroBatches {

  /** One micro-batch's forward, loss and backward; returns what the step adds up. */
  @FunctionalInterface
  interface Part<T> {
    T run(int part);
  }

  private final ThreadPoolExecutor helper = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS,
      new SynchronousQueue<>(), r -> {
        Thread t = new Thread(r, "micro-batch-1");
        t.setDaemon(true);
        return t;
      });

  /**
   * Runs parts 0 and 1 at once and returns their results in part order; the running statistics
   * copies live in {@code scope}. When either part fails, both are awaited, no running statistics
   * change and the first failure is thrown.
   */
  <T> List<T> run(Part<T> part, NDManager scope) {
    int own = IntraOpThreads.onThisThread();
    int each = Math.max(1, own / 2);
    RunningStatistics[] stats = new RunningStatistics[2];
    CompletableFuture<T> second = CompletableFuture.supplyAsync(() -> {
      IntraOpThreads.use(each);
      boolean recording = JniUtils.isGradMode();
      JniUtils.setGradMode(true);
      try (RunningStatistics s = RunningStatistics.collect(scope)) {
        stats[1] = s;
        return part.run(1);
      } finally {
        JniUtils.setGradMode(recording);
      }
    }, helper);
    T first = null;
    Throwable failure = null;
    IntraOpThreads.use(each);
    try (RunningStatistics s = RunningStatistics.collect(scope)) {
      stats[0] = s;
      first = part.run(0);
    } catch (RuntimeException | Error e) {
      failure = e;
    } finally {
      IntraOpThreads.use(own);
    }
    T last = null;
    try {
      last = second.join();
    } catch (CompletionException e) {
      failure = failure != null ? failure : e.getCause();
    }
    if (failure instanceof RuntimeException r) {
      throw r;
    } else if (failure instanceof Error e) {
      throw e;
    } else if (failure != null) {
      throw new IllegalStateException(failure);
    }
    stats[0].apply();
    stats[1].apply();
    return List.of(first, last);
  }

  /** Backpropagates {@code loss} (a scalar) from the calling thread, as DJL's collector does. */
  static void backward(NDArray loss) {
    try (NDArray ones = loss.onesLike()) {
      JniUtils.backward((PtNDArray) loss, (PtNDArray) ones, false, false);
    }
  }
}

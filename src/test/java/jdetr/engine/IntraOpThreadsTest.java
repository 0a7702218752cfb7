package jdetr.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class IntraOpThreadsTest {
  @BeforeAll
  static void readProcessDefaultOnTheMainThread() {
    assertThat(IntraOpThreads.processDefault()).isPositive();
  }

  /** Puts the process-wide count back for the tests that run after this one in the JVM. */
  @AfterEach
  void restoreProcessCount() throws Exception {
    onNewThread(() -> {
      IntraOpThreads.useProcessDefault();
      return null;
    });
  }

  @Test
  void aThreadThatFixedItsCountKeepsItWhenAnotherThreadChangesTheirs() throws Exception {
    CountDownLatch fixed = new CountDownLatch(1);
    CountDownLatch changed = new CountDownLatch(1);
    CompletableFuture<Integer> trainer = CompletableFuture.supplyAsync(() -> {
      IntraOpThreads.use(2); // no parallel operator on this thread yet
      fixed.countDown();
      await(changed);
      parallelWork();
      return IntraOpThreads.onThisThread();
    }, r -> new Thread(r, "test-trainer").start());
    await(fixed);
    int eval = onNewThread(() -> {
      IntraOpThreads.use(1);
      parallelWork();
      return IntraOpThreads.onThisThread();
    });
    changed.countDown();
    assertThat(eval).isEqualTo(1);
    assertThat(trainer.get(60, TimeUnit.SECONDS)).isEqualTo(2);
  }

  /** The libtorch behaviour the class guards against; if it changes, the class can go. */
  @Test
  void aThreadThatDidNotFixItsCountTakesTheLastCountSetByAnyThread() throws Exception {
    onNewThread(() -> {
      IntraOpThreads.use(1);
      return null;
    });
    assertThat(onNewThread(() -> {
      parallelWork();
      return IntraOpThreads.onThisThread();
    })).isEqualTo(1);
    onNewThread(() -> {
      IntraOpThreads.use(3);
      return null;
    });
    assertThat(onNewThread(IntraOpThreads::onThisThread)).isEqualTo(3);
  }

  @Test
  void rejectsFewerThanOneThread() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> IntraOpThreads.use(0))
        .hasMessageContaining(">= 1");
  }

  private static void parallelWork() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray a = m.randomUniform(0, 1, new ai.djl.ndarray.types.Shape(256, 256));
      a.matMul(a).sum().getFloat();
    }
  }

  private static <T> T onNewThread(Callable<T> work) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        result.complete(work.call());
      } catch (Throwable e) {
        result.completeExceptionally(e);
      }
    }, "test-torch");
    t.start();
    return result.get(60, TimeUnit.SECONDS);
  }

  private static void await(CountDownLatch latch) {
    try {
      assertThat(latch.await(60, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}

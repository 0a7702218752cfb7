package jdetr.verticles;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;

/**
 * The end of a stage's model-owning thread as a future, for a verticle's {@code stop()}: the
 * event loop must not block on {@link Thread#join}, so a daemon thread waits for it.
 */
final class OwnerThread {
  private OwnerThread() {}

  /**
   * Completes once {@code owner} has ended, or after {@code wait} (zero: no limit) with the owner
   * still running; the caller can tell by {@link Thread#isAlive()}.
   *
   * @param joinerName the waiting thread's name
   */
  static Future<Void> ended(Thread owner, Duration wait, String joinerName) {
    Promise<Void> joined = Promise.promise();
    Thread joiner = new Thread(() -> {
      try {
        owner.join(wait.toMillis());
        joined.complete();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        joined.fail(e);
      }
    }, joinerName);
    joiner.setDaemon(true);
    joiner.start();
    return joined.future();
  }
}

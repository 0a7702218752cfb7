package jdetr.verticles;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import jdetr.serve.DetectionService;

/**
 * Owns the detection model: runs {@link DetectionService} on one dedicated platform thread, which
 * loads the detector, runs every batch and closes it. Starting completes once the thread runs (the
 * model may still be loading; see {@link DetectionService#loaded()}); stopping answers the waiting
 * frames and joins the thread.
 */
public final class DetectorVerticle extends VerticleBase {

  private final DetectionService service;
  private Thread thread;

  public DetectorVerticle(DetectionService service) {
    this.service = service;
  }

  @Override
  public Future<?> start() {
    thread = new Thread(service, "jdetr-detector");
    thread.setDaemon(false);
    thread.start();
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    service.stop();
    Promise<Void> joined = Promise.promise();
    Thread joiner = new Thread(() -> {
      try {
        thread.join();
        joined.complete();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        joined.fail(e);
      }
    }, "jdetr-detector-join");
    joiner.setDaemon(true);
    joiner.start();
    return joined.future();
  }
}

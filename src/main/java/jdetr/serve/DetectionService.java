package jdetr.serve;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jdetr.data.ImageDecoder;
import jdetr.data.ImageLimits;
import jdetr.engine.TorchWork;
import jdetr.serve.FrameScheduler.Waiting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The detection side of the server without Vert.x: the {@link FrameScheduler} every stream feeds,
 * and {@link #run()}, the body of the one thread that creates, uses and closes the detector.
 */
public final class DetectionService implements FrameSink, Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(DetectionService.class);

  private final ServeConfig config;
  private final DetectorFactory factory;
  private final ServeMetrics metrics;
  private final FrameScheduler<Frame> scheduler;
  private final ExecutorService decodePool;
  private final CompletableFuture<Detector<?>> loaded = new CompletableFuture<>();
  private volatile Detector<?> detector;
  private volatile boolean stopped;

  public DetectionService(ServeConfig config, DetectorFactory factory, ServeMetrics metrics) {
    this.config = config;
    this.factory = factory;
    this.metrics = metrics;
    this.scheduler = new FrameScheduler<>(config.maxBatch(), TimeUnit.MILLISECONDS.toNanos(config.maxDelayMs()));
    AtomicInteger n = new AtomicInteger();
    this.decodePool = Executors.newFixedThreadPool(config.decodeThreads(), r -> {
      Thread t = new Thread(r, "jdetr-decode-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** Completes with the detector once loaded, or fails with the loading error. */
  public CompletableFuture<Detector<?>> loaded() {
    return loaded;
  }

  /** Frames waiting now. */
  public int waiting() {
    return scheduler.size();
  }

  /**
   * Loads the detector, then runs batches until {@link #stop()}; call on the detector thread. If
   * loading fails or the loop dies, the service stops being ready and answers waiting frames. The
   * JVM's exit stops it after the running batch and waits until the detector is closed
   * ({@link TorchWork}).
   */
  @Override
  public void run() {
    try (TorchWork.Scope work = TorchWork.enter("detection", reason -> stop())) {
      detect();
    }
  }

  private void detect() {
    Detector<?> d;
    try {
      d = factory.create(config);
    } catch (Exception | LinkageError e) {
      LOG.error("could not load the detector", e);
      loaded.completeExceptionally(e);
      stop();
      decodePool.shutdownNow();
      return;
    }
    try (d) {
      detector = d;
      LOG.info("detector ready: {} ({} classes)", d.description(), d.classNames().size());
      loaded.complete(d);
      ImageDecoder decoder = new ImageDecoder(ImageLimits.withMaxPixels(config.maxImagePixels()));
      DetectionLoop.of(scheduler, d, decoder, decodePool, metrics, config.prepareAhead()).run();
    } catch (RuntimeException | Error e) {
      LOG.error("the detector thread failed; the server is no longer ready", e);
      throw e;
    } finally {
      stop();
      decodePool.shutdownNow();
    }
  }

  @Override
  public boolean ready() {
    return detector != null && !stopped;
  }

  @Override
  public List<String> classNames() {
    Detector<?> d = detector;
    return d == null ? List.of() : d.classNames();
  }

  @Override
  public String description() {
    Detector<?> d = detector;
    return d == null ? "" : d.description();
  }

  @Override
  public boolean submit(long stream, Frame frame) {
    Waiting<Frame> old;
    try {
      old = scheduler.offer(stream, frame);
    } catch (IllegalStateException closed) {
      metrics.rejected(FrameResult.SHUTTING_DOWN);
      frame.reply().accept(new FrameResult.Rejected(frame.id(), 0, FrameResult.SHUTTING_DOWN, "server is stopping"));
      return false;
    }
    if (old != null) {
      metrics.dropped("superseded", 1);
      return true;
    }
    return false;
  }

  @Override
  public void streamClosed(long stream) {
    Waiting<Frame> old = scheduler.remove(stream);
    if (old != null) {
      metrics.dropped("closed", 1);
    }
  }

  /** Stops taking batches; frames still waiting are answered SHUTTING_DOWN. */
  public void stop() {
    stopped = true;
    for (Waiting<Frame> w : scheduler.close()) {
      metrics.rejected(FrameResult.SHUTTING_DOWN);
      w.frame().reply().accept(
          new FrameResult.Rejected(w.frame().id(), w.superseded(), FrameResult.SHUTTING_DOWN, "server is stopping"));
    }
  }
}

package jdetr.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import jdetr.data.ImageDecoder;
import jdetr.data.ImageRejectedException;
import jdetr.data.RgbImage;
import jdetr.eval.Detection;
import jdetr.serve.FrameScheduler.Waiting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The detector thread's work, fed by a batcher thread.
 *
 * <p>The batcher takes a batch from the scheduler, decodes and prepares (resizes, normalises) its
 * frames in parallel, on the decode pool and on itself, and hands the batch over; the detector
 * thread runs the model on the frames that could be prepared and answers every frame of the batch,
 * in batch order, with detections or the reason it was rejected. At most one batch waits ready.
 *
 * <p>When the next batch is taken: by default once the model is done with the running one, so
 * that decoding never competes with libtorch's intra-op threads (which use every core; running
 * beside them slows the model more than the overlap saves). With {@code prepareAhead}, just before
 * the running batch is expected to end ({@link BatchTiming}), so that the preparation overlaps the
 * model, for machines where the intra-op threads leave a core free.
 *
 * @param <I> a prepared frame of the detector
 */
public final class DetectionLoop<I> implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(DetectionLoop.class);

  private final FrameScheduler<Frame> scheduler;
  private final Detector<I> detector;
  private final ImageDecoder decoder;
  private final ExecutorService decodePool;
  private final ServeMetrics metrics;
  private final boolean prepareAhead;
  private final SynchronousQueue<Prepared<I>> handoff = new SynchronousQueue<>();
  private final Prepared<I> end = new Prepared<>(List.of(), List.of(), 0);
  private final BatchTiming timing = new BatchTiming();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition detectorChanged = lock.newCondition();
  /** Batches handed to the detector thread, and those it is done with: it is busy while they differ. */
  private long handedOver;
  private long finished;
  private long runningSince;
  private int runningFrames;
  /** The last batch the detector thread finished (detector thread only). */
  private Prepared<I> lastFinished;

  private DetectionLoop(FrameScheduler<Frame> scheduler, Detector<I> detector, ImageDecoder decoder,
      ExecutorService decodePool, ServeMetrics metrics, boolean prepareAhead) {
    this.scheduler = scheduler;
    this.detector = detector;
    this.decoder = decoder;
    this.decodePool = decodePool;
    this.metrics = metrics;
    this.prepareAhead = prepareAhead;
  }

  public static <I> DetectionLoop<I> of(FrameScheduler<Frame> scheduler, Detector<I> detector,
      ImageDecoder decoder, ExecutorService decodePool, ServeMetrics metrics, boolean prepareAhead) {
    return new DetectionLoop<>(scheduler, detector, decoder, decodePool, metrics, prepareAhead);
  }

  /**
   * Runs batches on the calling thread (the detector thread) until the scheduler is closed or the
   * thread is interrupted; the batcher thread lives as long as this call.
   */
  @Override
  public void run() {
    Thread batcher = new Thread(this::prepareBatches, Thread.currentThread().getName() + "-batcher");
    batcher.setDaemon(true);
    batcher.start();
    try {
      for (Prepared<I> batch = handoff.take(); batch != end; batch = handoff.take()) {
        try {
          if (scheduler.isClosed()) {
            rejectAll(batch.frames(), FrameResult.SHUTTING_DOWN, "server is stopping");
          } else {
            runBatch(batch);
          }
        } finally {
          finish(batch);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      batcher.interrupt();
      try {
        batcher.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The batcher thread: claim when due, prepare, hand over; an end marker once the scheduler closes. */
  private void prepareBatches() {
    List<Waiting<Frame>> batch = List.of();
    try {
      while (true) {
        awaitClaimTime();
        batch = scheduler.takeBatch();
        if (batch.isEmpty()) {
          handoff.put(end);
          return;
        }
        long start = System.nanoTime();
        Prepared<I> prepared = prepare(batch);
        long nanos = System.nanoTime() - start;
        lock.lock();
        try {
          timing.prepared(nanos);
        } finally {
          lock.unlock();
        }
        handingOver(prepared.ready());
        try {
          handoff.put(prepared);
        } catch (InterruptedException e) {
          batchFinished();
          throw e;
        }
        batch = List.of();
      }
    } catch (InterruptedException e) {
      // the detector thread ended: the frames in hand are not going to be run
      rejectAll(batch, FrameResult.SHUTTING_DOWN, "server is stopping");
    }
  }

  /** Waits while the model runs (with prepareAhead: while the running batch is not about to end). */
  private void awaitClaimTime() throws InterruptedException {
    lock.lock();
    try {
      while (handedOver > finished) {
        if (!prepareAhead) {
          detectorChanged.await();
          continue;
        }
        long left = timing.claimAt(runningSince, runningFrames) - System.nanoTime();
        if (left <= 0) {
          return;
        }
        detectorChanged.awaitNanos(left);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Decodes and prepares every frame of a batch, all but the first on the decode pool. */
  Prepared<I> prepare(List<Waiting<Frame>> batch) throws InterruptedException {
    List<Future<Item<I>>> pending = new ArrayList<>(batch.size());
    for (int i = 1; i < batch.size(); i++) {
      Frame frame = batch.get(i).frame();
      pending.add(decodePool.submit(() -> prepareOne(frame)));
    }
    List<Item<I>> items = new ArrayList<>(batch.size());
    items.add(prepareOne(batch.get(0).frame()));
    int ready = items.get(0).input() == null ? 0 : 1;
    for (Future<Item<I>> f : pending) {
      Item<I> item;
      try {
        item = f.get();
      } catch (ExecutionException e) {
        item = Item.failed("unreadable: " + e.getCause(), 0);
      }
      items.add(item);
      ready += item.input() == null ? 0 : 1;
    }
    return new Prepared<>(batch, items, ready);
  }

  private Item<I> prepareOne(Frame frame) {
    long start = System.nanoTime();
    RgbImage image;
    try {
      image = decoder.decode(frame.data(), frame.offset(), frame.length());
    } catch (ImageRejectedException e) {
      return Item.failed(e.getMessage(), System.nanoTime() - start);
    }
    long decoded = System.nanoTime();
    metrics.decoded(decoded - start);
    try {
      I input = detector.prepare(image);
      long prepared = System.nanoTime();
      metrics.prepared(prepared - decoded);
      return new Item<>(input, image.width(), image.height(), null, decoded - start, prepared - decoded);
    } catch (RuntimeException e) {
      LOG.warn("frame {}: could not prepare a {}x{} image", frame.id(), image.width(), image.height(), e);
      return Item.failed("unreadable: could not prepare the " + image.width() + "x" + image.height()
          + " image for the model: " + e.getMessage(), decoded - start);
    }
  }

  /** Runs the model on the prepared frames of a batch and answers all its frames in order. */
  void runBatch(Prepared<I> batch) {
    if (batch.ready() == 0) {
      answer(batch, null, 0);
      return;
    }
    List<I> inputs = new ArrayList<>(batch.ready());
    for (Item<I> item : batch.items()) {
      if (item.input() != null) {
        inputs.add(item.input());
      }
    }
    long start = System.nanoTime();
    modelStarted(start, inputs.size());
    List<List<Detection>> detections;
    try {
      detections = detector.detect(inputs);
      if (detections.size() != inputs.size()) {
        throw new IllegalStateException(
            "detector returned " + detections.size() + " results for " + inputs.size() + " frames");
      }
    } catch (RuntimeException e) {
      LOG.error("detector failed on a batch of {} frames", inputs.size(), e);
      for (int i = 0; i < batch.frames().size(); i++) {
        Item<I> item = batch.items().get(i);
        reject(batch.frames().get(i), item.input() == null ? FrameResult.IMAGE_REJECTED : FrameResult.DETECTOR_FAILED,
            item.input() == null ? item.error() : "detector failed: " + e);
      }
      return;
    }
    long nanos = System.nanoTime() - start;
    lock.lock();
    try {
      timing.modelRan(inputs.size(), nanos);
    } finally {
      lock.unlock();
    }
    finish(batch); // the answers below go out while the batcher takes the next batch
    metrics.batch(inputs.size(), nanos);
    answer(batch, detections, nanos);
  }

  private void answer(Prepared<I> batch, List<List<Detection>> detections, long inferNanos) {
    int next = 0;
    for (int i = 0; i < batch.frames().size(); i++) {
      Waiting<Frame> w = batch.frames().get(i);
      Item<I> item = batch.items().get(i);
      if (item.input() == null) {
        reject(w, FrameResult.IMAGE_REJECTED, item.error());
        continue;
      }
      Frame frame = w.frame();
      List<Detection> kept = new ArrayList<>();
      for (Detection det : detections.get(next++)) {
        if (det.score() >= frame.threshold()) {
          kept.add(det);
        }
      }
      kept.sort((a, b) -> Float.compare(b.score(), a.score()));
      long total = System.nanoTime() - frame.receivedNanos();
      metrics.processed(total);
      reply(frame, new FrameResult.Detected(frame.id(), w.superseded(), item.width(), item.height(),
          List.copyOf(kept), item.decodeNanos() / 1e6, item.prepareNanos() / 1e6, inferNanos / 1e6, total / 1e6,
          batch.ready()));
    }
  }

  /** The batcher is about to hand over a batch of {@code frames} to run. */
  private void handingOver(int frames) {
    lock.lock();
    try {
      handedOver++;
      runningSince = System.nanoTime();
      runningFrames = frames;
    } finally {
      lock.unlock();
    }
  }

  /** The model started on the batch handed over. */
  private void modelStarted(long since, int frames) {
    lock.lock();
    try {
      runningSince = since;
      runningFrames = frames;
    } finally {
      lock.unlock();
    }
  }

  /** The detector thread is done with this batch (counted once, however often told). */
  private void finish(Prepared<I> batch) {
    if (lastFinished != batch) {
      lastFinished = batch;
      batchFinished();
    }
  }

  private void batchFinished() {
    lock.lock();
    try {
      finished++;
      detectorChanged.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void rejectAll(List<Waiting<Frame>> frames, String code, String reason) {
    for (Waiting<Frame> w : frames) {
      reject(w, code, reason);
    }
  }

  private void reject(Waiting<Frame> w, String code, String reason) {
    metrics.rejected(code);
    reply(w.frame(), new FrameResult.Rejected(w.frame().id(), w.superseded(), code, reason));
  }

  private static void reply(Frame frame, FrameResult result) {
    try {
      frame.reply().accept(result);
    } catch (RuntimeException e) {
      LOG.warn("could not hand the result of frame {} back", frame.id(), e);
    }
  }

  /** A batch's frames, each prepared or failed, and how many are prepared. */
  record Prepared<I>(List<Waiting<Frame>> frames, List<Item<I>> items, int ready) {}

  /** One frame: the model input and its decoded size, or why there is none. */
  record Item<I>(I input, int width, int height, String error, long decodeNanos, long prepareNanos) {
    static <I> Item<I> failed(String error, long decodeNanos) {
      return new Item<>(null, 0, 0, error, decodeNanos, 0);
    }
  }
}

package jdetr.serve;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import jdetr.eval.Detection;
import jdetr.serve.FrameScheduler.Waiting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The detector thread's work: take a batch from the scheduler, decode its images (in parallel on
 * the decode pool, one of them on this thread), run the detector once on the decodable ones, and
 * answer every frame of the batch with detections or the reason it was rejected.
 */
public final class DetectionLoop implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(DetectionLoop.class);

  private final FrameScheduler<Frame> scheduler;
  private final Detector detector;
  private final FrameDecoder decoder;
  private final ExecutorService decodePool;
  private final ServeMetrics metrics;

  public DetectionLoop(FrameScheduler<Frame> scheduler, Detector detector, FrameDecoder decoder,
      ExecutorService decodePool, ServeMetrics metrics) {
    this.scheduler = scheduler;
    this.detector = detector;
    this.decoder = decoder;
    this.decodePool = decodePool;
    this.metrics = metrics;
  }

  /** Runs batches until the scheduler is closed or the thread is interrupted. */
  @Override
  public void run() {
    try {
      while (true) {
        List<Waiting<Frame>> batch = scheduler.takeBatch();
        if (batch.isEmpty()) {
          return;
        }
        runBatch(batch);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Decodes, detects and answers one batch. */
  void runBatch(List<Waiting<Frame>> batch) throws InterruptedException {
    List<Future<Decoded>> pending = new ArrayList<>(batch.size());
    for (int i = 1; i < batch.size(); i++) {
      Frame frame = batch.get(i).frame();
      pending.add(decodePool.submit(() -> decode(frame)));
    }
    List<Decoded> decoded = new ArrayList<>(batch.size());
    decoded.add(decode(batch.get(0).frame()));
    for (Future<Decoded> f : pending) {
      try {
        decoded.add(f.get());
      } catch (ExecutionException e) {
        decoded.add(new Decoded(null, "unreadable: " + e.getCause(), 0));
      }
    }

    List<BufferedImage> images = new ArrayList<>();
    List<Integer> accepted = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      Waiting<Frame> w = batch.get(i);
      Decoded d = decoded.get(i);
      if (d.image() == null) {
        reject(w, FrameResult.IMAGE_REJECTED, d.error());
      } else {
        images.add(d.image());
        accepted.add(i);
      }
    }
    if (images.isEmpty()) {
      return;
    }

    long start = System.nanoTime();
    List<List<Detection>> detections;
    try {
      detections = detector.detect(images);
      if (detections.size() != images.size()) {
        throw new IllegalStateException(
            "detector returned " + detections.size() + " results for " + images.size() + " images");
      }
    } catch (RuntimeException e) {
      LOG.error("detector failed on a batch of {} frames", images.size(), e);
      for (int i : accepted) {
        reject(batch.get(i), FrameResult.DETECTOR_FAILED, "detector failed: " + e);
      }
      return;
    }
    long end = System.nanoTime();
    metrics.batch(images.size(), end - start);
    double inferMs = (end - start) / 1e6;
    for (int k = 0; k < accepted.size(); k++) {
      Waiting<Frame> w = batch.get(accepted.get(k));
      Frame frame = w.frame();
      Decoded d = decoded.get(accepted.get(k));
      List<Detection> kept = new ArrayList<>();
      for (Detection det : detections.get(k)) {
        if (det.score() >= frame.threshold()) {
          kept.add(det);
        }
      }
      kept.sort((a, b) -> Float.compare(b.score(), a.score()));
      long total = System.nanoTime() - frame.receivedNanos();
      metrics.processed(total);
      reply(frame, new FrameResult.Detected(frame.id(), w.superseded(), d.image().getWidth(),
          d.image().getHeight(), List.copyOf(kept), d.nanos() / 1e6, inferMs, total / 1e6, images.size()));
    }
  }

  private Decoded decode(Frame frame) {
    long start = System.nanoTime();
    try {
      BufferedImage image = decoder.decode(frame.data(), frame.offset(), frame.length());
      long nanos = System.nanoTime() - start;
      metrics.decoded(nanos);
      return new Decoded(image, null, nanos);
    } catch (ImageRejectedException e) {
      return new Decoded(null, e.getMessage(), System.nanoTime() - start);
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

  private record Decoded(BufferedImage image, String error, long nanos) {}
}

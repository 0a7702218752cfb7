package jdetr.serve;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Frames waiting for the detector: at most one per stream (the newest), handed out in batches.
 *
 * <p>A frame that arrives while an older frame of the same stream is still waiting replaces it; the
 * older one is returned to the caller as dropped and counted in the newer one's {@link
 * Waiting#superseded()}. The number of waiting frames is therefore bounded by the number of streams.
 * A replaced slot keeps its place in line, so a busy stream cannot push others back.
 *
 * <p>{@link #takeBatch()} blocks until a frame waits, then until {@code maxBatch} frames wait or the
 * oldest slot has waited {@code maxDelayNanos}, and returns up to {@code maxBatch} frames, oldest
 * slot first. Thread-safe; producers never block on a consumer.
 *
 * @param <T> the frame payload
 */
public final class FrameScheduler<T> {

  /**
   * A waiting frame.
   *
   * @param stream the stream it belongs to
   * @param frame the payload
   * @param superseded how many older frames of this stream it replaced since the stream's last
   *     frame was taken
   * @param slotSinceNanos when the stream's slot became occupied (for the batching deadline)
   */
  public record Waiting<T>(long stream, T frame, int superseded, long slotSinceNanos) {}

  private final int maxBatch;
  private final long maxDelayNanos;
  private final LinkedHashMap<Long, Waiting<T>> waiting = new LinkedHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private boolean closed;

  public FrameScheduler(int maxBatch, long maxDelayNanos) {
    if (maxBatch < 1 || maxDelayNanos < 0) {
      throw new IllegalArgumentException("maxBatch must be >= 1 and maxDelay >= 0");
    }
    this.maxBatch = maxBatch;
    this.maxDelayNanos = maxDelayNanos;
  }

  /**
   * Puts a frame in its stream's slot.
   *
   * @return the frame it replaced (now dropped), or null
   * @throws IllegalStateException once the scheduler is closed
   */
  public Waiting<T> offer(long stream, T frame) {
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("frame scheduler is closed");
      }
      Waiting<T> old = waiting.get(stream);
      Waiting<T> now = old == null
          ? new Waiting<>(stream, frame, 0, System.nanoTime())
          : new Waiting<>(stream, frame, old.superseded() + 1, old.slotSinceNanos());
      waiting.put(stream, now); // an existing key keeps its position
      if (old == null) {
        changed.signalAll();
      }
      return old;
    } finally {
      lock.unlock();
    }
  }

  /** Empties a stream's slot (the stream closed); returns the frame that was waiting, or null. */
  public Waiting<T> remove(long stream) {
    lock.lock();
    try {
      return waiting.remove(stream);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits for the next batch.
   *
   * @return 1..maxBatch frames, oldest slot first; empty once closed
   */
  public List<Waiting<T>> takeBatch() throws InterruptedException {
    lock.lock();
    try {
      while (!closed && waiting.isEmpty()) {
        changed.await();
      }
      while (!closed && waiting.size() < maxBatch) {
        long left = waiting.values().iterator().next().slotSinceNanos() + maxDelayNanos - System.nanoTime();
        if (left <= 0) {
          break;
        }
        changed.awaitNanos(left);
      }
      if (closed) {
        return List.of();
      }
      List<Waiting<T>> batch = new ArrayList<>(Math.min(maxBatch, waiting.size()));
      Iterator<Waiting<T>> it = waiting.values().iterator();
      while (it.hasNext() && batch.size() < maxBatch) {
        batch.add(it.next());
        it.remove();
      }
      return batch;
    } finally {
      lock.unlock();
    }
  }

  /** Frames waiting now (at most one per stream). */
  public int size() {
    lock.lock();
    try {
      return waiting.size();
    } finally {
      lock.unlock();
    }
  }

  /** Stops handing out batches and returns the frames still waiting (they will not be processed). */
  public List<Waiting<T>> close() {
    lock.lock();
    try {
      closed = true;
      List<Waiting<T>> left = new ArrayList<>(waiting.values());
      waiting.clear();
      changed.signalAll();
      return left;
    } finally {
      lock.unlock();
    }
  }
}

package jdetr.serve;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Frames waiting for the detector: at most one per stream (the newest) in line, handed out in
 * batches.
 *
 * <p>A frame that arrives while an older frame of the same stream is still in line replaces it;
 * the older one is returned to the caller as dropped and counted in the newer one's {@link
 * Waiting#superseded()}. A replaced slot keeps its place in line, so a busy stream cannot push
 * others back.
 *
 * <p>{@link #takeBatch()} blocks until a frame is in line, then claims frames for the batch, oldest
 * slot first and at most one per stream, until {@code maxBatch} are claimed or the oldest has waited
 * {@code maxDelayNanos}. A claimed frame is no longer replaced: a newer frame of its stream gets in
 * line for a later batch. So a stream holds at most two frames here (one claimed, one in line), and
 * a client that keeps two frames in flight has its next frame ready when a batch ends. Thread-safe;
 * producers never block on a consumer.
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
  /** Frames claimed by the batch being formed, by stream. */
  private final LinkedHashMap<Long, Waiting<T>> forming = new LinkedHashMap<>();
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

  /**
   * Empties a stream's slot (the stream closed); returns the frame that was in line, or null. A
   * frame already claimed by the forming batch is still processed.
   */
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
   * @return 1..maxBatch frames of distinct streams, oldest slot first; empty once closed
   */
  public List<Waiting<T>> takeBatch() throws InterruptedException {
    lock.lock();
    try {
      while (!closed && waiting.isEmpty()) {
        changed.await();
      }
      if (closed) {
        return List.of();
      }
      long deadline = waiting.values().iterator().next().slotSinceNanos() + maxDelayNanos;
      while (true) {
        claim();
        if (closed) {
          return List.of(); // close() handed the claimed frames back
        }
        long left = deadline - System.nanoTime();
        if (forming.size() >= maxBatch || left <= 0) {
          break;
        }
        changed.awaitNanos(left);
      }
      List<Waiting<T>> batch = new ArrayList<>(forming.values());
      forming.clear();
      return batch;
    } finally {
      lock.unlock();
    }
  }

  /** Moves frames in line into the forming batch: oldest first, one per stream, up to maxBatch. */
  private void claim() {
    Iterator<Waiting<T>> it = waiting.values().iterator();
    while (it.hasNext() && forming.size() < maxBatch) {
      Waiting<T> w = it.next();
      if (!forming.containsKey(w.stream())) {
        forming.put(w.stream(), w);
        it.remove();
      }
    }
  }

  /** Frames here now: in line and claimed (at most two per stream). */
  public int size() {
    lock.lock();
    try {
      return waiting.size() + forming.size();
    } finally {
      lock.unlock();
    }
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  /** Frames claimed by the batch being formed (for tests). */
  int claimed() {
    lock.lock();
    try {
      return forming.size();
    } finally {
      lock.unlock();
    }
  }

  /** Stops handing out batches and returns the frames still here (they will not be processed). */
  public List<Waiting<T>> close() {
    lock.lock();
    try {
      closed = true;
      List<Waiting<T>> left = new ArrayList<>(forming.values());
      left.addAll(waiting.values());
      forming.clear();
      waiting.clear();
      changed.signalAll();
      return left;
    } finally {
      lock.unlock();
    }
  }
}

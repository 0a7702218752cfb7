package jdetr.serve;

import java.util.concurrent.atomic.AtomicInteger;

/** A fixed number of slots (open streams, requests in progress); taking one never blocks. */
public final class AdmissionLimit {
  private final int max;
  private final AtomicInteger used = new AtomicInteger();

  public AdmissionLimit(int max) {
    this.max = max;
  }

  /** Takes a slot if one is free. */
  public boolean tryAcquire() {
    while (true) {
      int n = used.get();
      if (n >= max) {
        return false;
      }
      if (used.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /** Gives a slot back. */
  public void release() {
    if (used.decrementAndGet() < 0) {
      used.incrementAndGet();
      throw new IllegalStateException("released more slots than were taken");
    }
  }

  public int inUse() {
    return used.get();
  }

  public int max() {
    return max;
  }
}

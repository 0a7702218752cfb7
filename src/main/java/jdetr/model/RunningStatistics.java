package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.IdentityHashMap;
import java.util.Map;
import jdetr.autograd.GraphSafe;

/**
 * The batch-norm running-statistics updates of one micro-batch that runs beside another.
 *
 * <p>While a collection is open on a thread ({@link #collect}), every {@link BatchNorm2d} that
 * trains on that thread updates copies of its running mean and variance instead of its own, so two
 * threads never write the same buffers. {@link #apply} then folds a collection into the module's
 * buffers; applied in micro-batch order, the collections give what the micro-batches one after
 * another would have, up to float rounding. A module that ran {@code k} times from the running
 * value {@code r0} to the copy {@code c} (momentum {@code m}) moves the module's running value
 * {@code r} to {@code (1-m)^k r + c - (1-m)^k r0}.
 */
public final class RunningStatistics implements AutoCloseable {

  private static final ThreadLocal<RunningStatistics> CURRENT = new ThreadLocal<>();

  private final NDManager scope;
  private final Map<Object, Copies> copies = new IdentityHashMap<>();

  /** A module's buffers, their values when copied, the copies, and how often they were updated. */
  private static final class Copies {
    final NDArray mean;
    final NDArray var;
    final NDArray mean0;
    final NDArray var0;
    final NDArray meanCopy;
    final NDArray varCopy;
    final float keep;
    int updates;

    Copies(NDArray mean, NDArray var, float keep, NDManager scope) {
      this.mean = mean;
      this.var = var;
      this.keep = keep;
      mean0 = detached(mean, scope);
      var0 = detached(var, scope);
      meanCopy = detached(mean, scope);
      varCopy = detached(var, scope);
    }

    private static NDArray detached(NDArray a, NDManager scope) {
      NDArray c = a.duplicate();
      c.attach(scope);
      return c;
    }
  }

  private RunningStatistics(NDManager scope) {
    this.scope = scope;
  }

  /**
   * Opens a collection on the calling thread until {@link #close}; the copies live in
   * {@code scope}, which must stay open until {@link #apply}.
   */
  public static RunningStatistics collect(NDManager scope) {
    if (CURRENT.get() != null) {
      throw new IllegalStateException("running statistics are already collected on this thread");
    }
    RunningStatistics r = new RunningStatistics(scope);
    CURRENT.set(r);
    return r;
  }

  /**
   * The buffers a training batch norm updates on the calling thread: its own {@code mean, var},
   * or their copies in the thread's open collection.
   *
   * @param owner the module (its identity keys the copies)
   * @param keep the weight of the old running value (torch's {@code 1 - momentum})
   */
  static NDArray[] buffers(Object owner, NDArray mean, NDArray var, float keep) {
    RunningStatistics open = CURRENT.get();
    if (open == null) {
      return new NDArray[] {mean, var};
    }
    Copies c = open.copies.get(owner);
    if (c == null) {
      c = new Copies(mean, var, keep, open.scope);
      open.copies.put(owner, c);
    }
    c.updates++;
    return new NDArray[] {c.meanCopy, c.varCopy};
  }

  /** Folds the copies into the modules' running statistics (see the class comment). */
  public void apply() {
    for (Copies c : copies.values()) { // each module on its own: any order
      float decay = (float) Math.pow(c.keep, c.updates);
      fold(c.mean, c.mean0, c.meanCopy, decay);
      fold(c.var, c.var0, c.varCopy, decay);
    }
  }

  private static void fold(NDArray running, NDArray before, NDArray copy, float decay) {
    try (NDArray d = GraphSafe.create(copy.getManager(), new float[] {decay}, new Shape());
        NDArray scaled = before.mul(d);
        NDArray moved = copy.sub(scaled)) {
      running.muli(d).addi(moved);
    }
  }

  /** Stops collecting on the calling thread; the copies stay for {@link #apply}. */
  @Override
  public void close() {
    if (CURRENT.get() == this) {
      CURRENT.remove();
    }
  }
}

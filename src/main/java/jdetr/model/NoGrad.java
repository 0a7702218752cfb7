package jdetr.model;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Turns libtorch's autograd recording off on the current thread until closed (grad mode is per OS
 * thread): {@code try (NoGrad g = NoGrad.enter()) { detr.forward(…, false); }}. Inference and
 * evaluation run in such a scope so no graph is built through parameters that require gradients.
 */
public final class NoGrad implements AutoCloseable {

  private final boolean previous;
  private final Thread owner;

  private NoGrad() {
    previous = JniUtils.isGradMode();
    owner = Thread.currentThread();
    JniUtils.setGradMode(false);
  }

  public static NoGrad enter() {
    return new NoGrad();
  }

  @Override
  public void close() {
    if (Thread.currentThread() != owner) {
      throw new IllegalStateException("NoGrad closed on " + Thread.currentThread().getName()
          + " but entered on " + owner.getName() + ": grad mode is per thread");
    }
    JniUtils.setGradMode(previous);
  }
}

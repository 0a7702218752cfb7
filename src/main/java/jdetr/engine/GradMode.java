package jdetr.engine;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Autograd recording for the current OS thread (libtorch keeps it per thread). Optimizer updates
 * run with it off, like torch's {@code @torch.no_grad()} on {@code optimizer.step()}.
 */
public final class GradMode implements AutoCloseable {
  private final boolean previous;

  private GradMode(boolean enabled) {
    previous = JniUtils.isGradMode();
    JniUtils.setGradMode(enabled);
  }

  /** Turns recording off until {@link #close()}, which restores the previous mode. */
  public static GradMode disabled() {
    return new GradMode(false);
  }

  @Override
  public void close() {
    JniUtils.setGradMode(previous);
  }
}

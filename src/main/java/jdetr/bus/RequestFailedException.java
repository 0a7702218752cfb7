package jdetr.bus;

import io.vertx.core.eventbus.ReplyFailure;

/**
 * A request that got no usable reply: the responder failed on it, or no responder answered within
 * the allowed attempts and there was no local fallback. The message names the address and request.
 */
public final class RequestFailedException extends RuntimeException {
  private final ReplyFailure failure;
  private final int attempts;

  public RequestFailedException(String message, ReplyFailure failure, int attempts, Throwable cause) {
    super(message, cause);
    this.failure = failure;
    this.attempts = attempts;
  }

  /** The kind of the last failure. */
  public ReplyFailure failure() {
    return failure;
  }

  /** How many times the request was sent. */
  public int attempts() {
    return attempts;
  }
}

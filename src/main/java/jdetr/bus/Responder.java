package jdetr.bus;

import io.vertx.core.eventbus.DeliveryOptions;

/**
 * Names the process that answered a request: replies carry the header {@value #HEADER} with
 * {@code pid@host}, and {@link CreditedRequester} counts replies by it ({@value #LOCAL} for
 * requests it computed itself), so a run can say which node did what.
 */
public final class Responder {
  /** Reply header naming the responding process. */
  public static final String HEADER = "jdetr-responder";

  /** What {@link CreditedRequester} counts a locally computed request under. */
  public static final String LOCAL = "local";

  /** This process: {@code pid@host}. */
  public static final String ID = ProcessHandle.current().pid() + "@"
      + System.getenv().getOrDefault("HOSTNAME", "localhost");

  private Responder() {}

  /** Delivery options for a reply from this process. */
  public static DeliveryOptions replyOptions() {
    return new DeliveryOptions().addHeader(HEADER, ID);
  }
}

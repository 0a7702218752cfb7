package jdetr.bus;

/**
 * How a node's event bus meets its peers. Without TLS the bus binds and advertises
 * {@code host:port} itself (port 0: any free port), as before. With TLS the public
 * {@code host:port} is a {@link BusGate}: TLS with required client certificates of the cluster CA,
 * frame lengths capped; the event bus itself binds only the loopback interface, and its outbound
 * connections present the node's certificate.
 *
 * @param port the advertised event-bus port (0: any free port)
 * @param tls certificate, key and CA, or null for a plain bus
 * @param maxFrameBytes the largest frame a peer may announce (with TLS)
 */
public record BusTransport(int port, BusTls tls, int maxFrameBytes) {
  /** 128 MiB: a collated batch of two 800x1333 images takes about 25 MiB. */
  public static final int DEFAULT_MAX_FRAME_BYTES = 128 << 20;

  public static final BusTransport PLAIN = new BusTransport(0, null, DEFAULT_MAX_FRAME_BYTES);

  public BusTransport {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("event-bus port must be 0-65535, not " + port);
    }
    if (maxFrameBytes <= 0) {
      throw new IllegalArgumentException("event-bus frame limit must be positive, not " + maxFrameBytes);
    }
  }
}

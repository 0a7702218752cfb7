package jdetr.bus;

import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

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

  /**
   * The event bus's own options and, with TLS, the ports of its gate (public) and of the bus
   * itself (loopback); -1 without TLS.
   */
  public record Binding(EventBusOptions eventBus, int gatePort, int loopbackPort) {}

  /**
   * How the event bus binds for a node advertising {@code host} (null: the cluster manager's
   * address; required with TLS).
   */
  public Binding bind(String host) throws IOException {
    EventBusOptions eventBus = new EventBusOptions().setPort(port);
    if (host != null) {
      eventBus.setHost(host).setClusterPublicHost(host);
    }
    if (tls == null) {
      return new Binding(eventBus, -1, -1);
    }
    if (host == null) {
      throw new IllegalArgumentException("an event bus with TLS needs the host to advertise (--host)");
    }
    int gatePort = port != 0 ? port : freePort(host);
    int loopbackPort = freePort("127.0.0.1");
    eventBus.setHost("127.0.0.1").setPort(loopbackPort).setClusterPublicPort(gatePort)
        .setSsl(true).setKeyCertOptions(tls.keyCert()).setTrustOptions(tls.trust())
        .setClientAuth(ClientAuth.REQUIRED);
    return new Binding(eventBus, gatePort, loopbackPort);
  }

  /** A port free on {@code host} at the moment of asking (for a listener started right after). */
  private static int freePort(String host) throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return s.getLocalPort();
    }
  }
}

package jdetr.bus;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public face of a node's event bus when it has TLS: listens on the advertised
 * {@code host:port}, requires a client certificate signed by the cluster CA (a peer without one,
 * or with one of another CA, fails the handshake and never sends a byte to a stage), follows the
 * frames of what a peer sends ({@link FrameLimit}) and closes the connection at the first frame
 * announced longer than the cap, then passes the bytes on to the event bus listening on loopback
 * (over TLS too, since the bus speaks TLS to its peers). Replies flow back unchanged.
 */
public final class BusGate {
  private static final Logger LOG = LoggerFactory.getLogger(BusGate.class);

  private BusGate() {}

  /**
   * Starts the gate on {@code host:port}, in front of the event bus on {@code 127.0.0.1:busPort};
   * it closes with {@code vertx}.
   */
  public static Future<Void> start(Vertx vertx, String host, int port, int busPort, BusTls tls,
      int maxFrameBytes) {
    NetServerOptions serverOptions = new NetServerOptions().setHost(host).setPort(port).setSsl(true)
        .setKeyCertOptions(tls.keyCert()).setTrustOptions(tls.trust())
        .setClientAuth(ClientAuth.REQUIRED).setSslHandshakeTimeout(10);
    // to the local event bus: the node's own certificate; its name is not checked (loopback)
    NetClient bus = vertx.createNetClient(new NetClientOptions().setSsl(true)
        .setKeyCertOptions(tls.keyCert()).setTrustOptions(tls.trust())
        .setHostnameVerificationAlgorithm("").setConnectTimeout(5000));
    NetServer server = vertx.createNetServer(serverOptions)
        .connectHandler(peer -> accept(peer, bus, busPort, maxFrameBytes));
    return server.listen().map(s -> {
      LOG.info("event bus gate on {}:{} (TLS, client certificates of the cluster CA, frames up to {} bytes)",
          host, s.actualPort(), maxFrameBytes);
      return null;
    });
  }

  private static void accept(NetSocket peer, NetClient bus, int busPort, int maxFrameBytes) {
    peer.pause();
    FrameLimit limit = new FrameLimit(maxFrameBytes);
    bus.connect(busPort, "127.0.0.1").onComplete(connected -> {
      if (connected.failed()) {
        LOG.warn("event bus gate: local event bus unreachable: {}", connected.cause().toString());
        peer.close();
        return;
      }
      NetSocket local = connected.result();
      peer.handler(data -> {
        byte[] bytes = data.getBytes();
        try {
          limit.accept(bytes, 0, bytes.length);
        } catch (FrameLimit.FrameRefusedException e) {
          LOG.warn("event bus gate: {} from {}; connection closed", e.getMessage(), peer.remoteAddress());
          peer.close();
          local.close();
          return;
        }
        local.write(Buffer.buffer(bytes));
        if (local.writeQueueFull()) {
          peer.pause();
          local.drainHandler(v -> peer.resume());
        }
      });
      local.handler(data -> {
        peer.write(data);
        if (peer.writeQueueFull()) {
          local.pause();
          peer.drainHandler(v -> local.resume());
        }
      });
      peer.closeHandler(v -> local.close());
      local.closeHandler(v -> peer.close());
      peer.exceptionHandler(e -> peer.close());
      local.exceptionHandler(e -> local.close());
      peer.resume();
    });
  }
}

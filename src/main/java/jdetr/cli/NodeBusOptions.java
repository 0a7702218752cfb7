package jdetr.cli;

import java.nio.file.Path;
import jdetr.bus.BusTls;
import jdetr.bus.BusTransport;
import picocli.CommandLine.Option;

/** How a {@code jdetr node}'s event bus meets its peers ({@link BusTransport}). */
final class NodeBusOptions {
  @Option(names = "--bus-port", defaultValue = "0",
      description = "Event-bus port to bind and advertise (default: any free port).")
  int port;

  @Option(names = "--bus-tls", paramLabel = "<dir>",
      description = "Directory with tls.crt, tls.key and ca.crt: the event bus uses TLS and accepts only peers"
          + " with a certificate of that CA (needs --host).")
  Path tlsDir;

  @Option(names = "--bus-max-frame", defaultValue = "" + BusTransport.DEFAULT_MAX_FRAME_BYTES,
      paramLabel = "<bytes>", description = "With --bus-tls: the largest frame a peer may send (default: ${DEFAULT-VALUE}).")
  int maxFrameBytes;

  /** The transport; fails naming the missing TLS file. */
  BusTransport transport() {
    return new BusTransport(port, tlsDir == null ? null : BusTls.fromDirectory(tlsDir), maxFrameBytes);
  }
}

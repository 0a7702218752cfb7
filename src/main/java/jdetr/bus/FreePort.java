package jdetr.bus;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** A TCP port free on one address at the moment of asking (for a listener started right after). */
final class FreePort {
  private FreePort() {}

  static int on(String host) throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return s.getLocalPort();
    }
  }
}

package jdetr.bus;

import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The TLS material of the event bus, read from a directory with cert-manager's key names: the
 * node's certificate {@code tls.crt} (PEM, chain allowed), its key {@code tls.key} (PEM, PKCS#8)
 * and the cluster CA {@code ca.crt}. A node presents its certificate to every peer and accepts
 * only peers whose certificate that CA signed.
 */
public record BusTls(Path certificate, Path key, Path ca) {

  /** Reads the three file names of {@code dir}; fails naming the file that is missing. */
  public static BusTls fromDirectory(Path dir) {
    BusTls tls = new BusTls(dir.resolve("tls.crt"), dir.resolve("tls.key"), dir.resolve("ca.crt"));
    for (Path p : new Path[] {tls.certificate, tls.key, tls.ca}) {
      if (!Files.isReadable(p)) {
        throw new IllegalArgumentException("event-bus TLS: " + p + " is missing or unreadable (the directory"
            + " needs tls.crt, tls.key and ca.crt)");
      }
    }
    return tls;
  }

  public PemKeyCertOptions keyCert() {
    return new PemKeyCertOptions().setCertPath(certificate.toString()).setKeyPath(key.toString());
  }

  public PemTrustOptions trust() {
    return new PemTrustOptions().addCertPath(ca.toString());
  }
}

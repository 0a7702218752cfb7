package jdetr.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority and the certificates it signs, made with the {@code openssl} command for
 * a test: directories with cert-manager's key names ({@code tls.crt}, {@code tls.key} PKCS#8,
 * {@code ca.crt}), EC P-256 keys, usable for TLS server and client authentication.
 */
public final class TestCertificates {
  private final Path dir;
  private final String name;

  private TestCertificates(Path dir, String name) {
    this.dir = dir;
    this.name = name;
  }

  /** A new CA named {@code name} in {@code parent/name}. */
  public static TestCertificates authority(Path parent, String name) throws IOException, InterruptedException {
    Path dir = parent.resolve(name);
    Files.createDirectories(dir);
    openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=" + name);
    return new TestCertificates(dir, name);
  }

  /** A certificate of this CA in a directory of its own, ready to mount ({@code tls.crt, tls.key, ca.crt}). */
  public Path issue(String subject) throws IOException, InterruptedException {
    Path out = dir.resolve(subject);
    Files.createDirectories(out);
    Files.writeString(out.resolve("ext.cnf"), "extendedKeyUsage=serverAuth,clientAuth\n"
        + "subjectAltName=DNS:" + subject + "\n");
    openssl(out, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "tls.key", "-out", "tls.csr", "-subj", "/CN=" + subject);
    openssl(out, "x509", "-req", "-in", "tls.csr", "-CA", dir.resolve("ca.crt").toString(),
        "-CAkey", dir.resolve("ca.key").toString(), "-CAcreateserial", "-out", "tls.crt", "-days", "2",
        "-extfile", "ext.cnf");
    Files.copy(dir.resolve("ca.crt"), out.resolve("ca.crt"));
    Files.delete(out.resolve("tls.csr"));
    Files.delete(out.resolve("ext.cnf"));
    return out;
  }

  public String name() {
    return name;
  }

  private static void openssl(Path cwd, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError("the openssl command is needed to make test certificates: " + e.getMessage(), e);
    }
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("openssl " + String.join(" ", args) + " failed: " + out);
    }
  }
}

package jdetr.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import jdetr.testing.ChildJvm;

/**
 * {@code jdetr node} JVMs of one test on loopback: a cluster name of their own, stage descriptors
 * from a given directory, stderr in target/child-logs. Closing kills whatever still runs.
 */
final class TestCluster implements AutoCloseable {
  static final Path CLUSTER_XML = Path.of("conf", "cluster.xml").toAbsolutePath();
  static final Path LOGS = Path.of("target", "child-logs");
  static final List<String> HAZELCAST_JVM_ARGS = List.of(
      "--add-modules", "java.se", "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
      // One libtorch thread per JVM: several JVMs share two cores, and every run of a
      // comparison must use the same thread count for bit-equal results.
      "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1");

  private final String name = "jdetr-test-" + UUID.randomUUID();
  private final Path descriptors;
  private final List<ChildJvm> nodes = new ArrayList<>();

  TestCluster(Path descriptors) {
    this.descriptors = descriptors;
  }

  String name() {
    return name;
  }

  /** Starts {@code jdetr node --role role … extra} in a new JVM. */
  NodeEvents start(String nodeName, String role, List<String> extra) throws IOException {
    List<String> args = new ArrayList<>(List.of("node", "--role", role, "--cluster",
        CLUSTER_XML.toString(), "--cluster-name", name, "--verticles", descriptors.toString()));
    args.addAll(extra);
    ChildJvm jvm = ChildJvm.start(nodeName, LOGS, HAZELCAST_JVM_ARGS, Main.class.getName(), args);
    nodes.add(jvm);
    return new NodeEvents(jvm);
  }

  /** The node's process as the trainer names responders ({@code pid@host}). */
  static String responder(ChildJvm node) {
    return node.pid() + "@" + System.getenv().getOrDefault("HOSTNAME", "localhost");
  }

  /** Waits until {@code node}'s stderr log holds {@code text} at least {@code times} times. */
  static void awaitLog(ChildJvm node, String text, int times, Duration cap) throws Exception {
    Path log = node.stderrFile();
    long deadline = System.nanoTime() + cap.toNanos();
    while (true) {
      String all = Files.exists(log) ? Files.readString(log) : "";
      int n = 0;
      for (int i = all.indexOf(text); i >= 0; i = all.indexOf(text, i + 1)) {
        n++;
      }
      if (n >= times) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(node.name() + ": '" + text + "' " + n + " times (wanted "
            + times + ") within " + cap + "; stderr tail: " + node.stderrTail());
      }
      Thread.sleep(100);
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (ChildJvm n : nodes) {
      n.close();
    }
  }
}

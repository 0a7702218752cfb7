package jdetr.bench;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jdetr.cli.Main;

/**
 * {@code jdetr node --role matcher} child processes of this JVM (same java, same classpath), on
 * loopback in one cluster. Each child's stderr goes to {@code <logDir>/matcher-<i>.err.log}; its
 * stdout is read for the {@code {"event":"ready"}} line.
 */
public final class MatcherNodes implements AutoCloseable {

  /** Hazelcast reaches into JDK internals; without these it warns and runs slower paths. */
  static final List<String> HAZELCAST_JVM_ARGS = List.of(
      "--add-modules", "java.se", "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");

  /**
   * Netty registers JFR events on its first buffer allocation, on an event-loop thread; on a
   * starved CPU that took tens of seconds and cost the node its cluster heartbeats.
   */
  public static final String NETTY_JFR = "io.netty.jfr.enabled";

  private final List<Process> processes;
  private final List<CompletableFuture<JsonObject>> ready;
  private final Path logDir;

  private MatcherNodes(List<Process> processes, List<CompletableFuture<JsonObject>> ready,
      Path logDir) {
    this.processes = processes;
    this.ready = ready;
    this.logDir = logDir;
  }

  /**
   * Starts {@code count} matcher nodes.
   *
   * @param stages the stage descriptors they deploy (those of role "matcher")
   */
  public static MatcherNodes start(int count, Path clusterXml, String clusterName, Path stages,
      Path logDir) throws IOException {
    Files.createDirectories(logDir);
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<Process> processes = new ArrayList<>();
    List<CompletableFuture<JsonObject>> ready = new ArrayList<>();
    MatcherNodes nodes = new MatcherNodes(processes, ready, logDir);
    try {
      for (int i = 0; i < count; i++) {
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-Dai.djl.offline=true",
            "-D" + NETTY_JFR + "=false"));
        cmd.addAll(HAZELCAST_JVM_ARGS);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
            "node", "--role", "matcher", "--cluster", clusterXml.toString(), "--cluster-name",
            clusterName, "--verticles", stages.toString(), "--host", "127.0.0.1"));
        Process p = new ProcessBuilder(cmd)
            .redirectError(logDir.resolve("matcher-" + i + ".err.log").toFile()).start();
        processes.add(p);
        ready.add(readyLine(p, "matcher-" + i));
      }
    } catch (IOException | RuntimeException e) {
      nodes.close();
      throw e;
    }
    return nodes;
  }

  private static CompletableFuture<JsonObject> readyLine(Process p, String name) {
    CompletableFuture<JsonObject> f = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          if (line.contains("\"event\":\"ready\"")) {
            f.complete(new JsonObject(line));
          }
        }
      } catch (IOException | RuntimeException ignored) {
        // the process is gone; the future fails below
      }
      f.completeExceptionally(new IllegalStateException(name + " exited before it was ready"));
    }, "jdetr-bench-" + name);
    reader.setDaemon(true);
    reader.start();
    return f;
  }

  /** Waits for every node's ready line; returns their pids. */
  public List<Long> awaitReady(Duration timeout) throws Exception {
    List<Long> pids = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int i = 0; i < ready.size(); i++) {
      try {
        long left = Math.max(1, deadline - System.nanoTime());
        pids.add(ready.get(i).get(left, TimeUnit.NANOSECONDS).getLong("pid"));
      } catch (Exception e) {
        throw new IllegalStateException("matcher node " + i + " not ready within " + timeout
            + " (see " + logDir.resolve("matcher-" + i + ".err.log") + "): " + e, e);
      }
    }
    return pids;
  }

  /** CPU time of every node so far, in nanoseconds (0 where the OS does not say). */
  public long cpuNs() {
    long sum = 0;
    for (Process p : processes) {
      sum += p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }
    return sum;
  }

  public int size() {
    return processes.size();
  }

  /** SIGTERM (the node leaves the cluster), then SIGKILL for any still running after 20 s. */
  @Override
  public void close() {
    processes.forEach(Process::destroy);
    for (Process p : processes) {
      try {
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}

package jdetr.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One pod of a rendered workload run as a process: in the pod's network namespace, in a mount
 * namespace of its own where the root filesystem is read-only when the manifest says so, every
 * volume of the manifest is bind-mounted at its mountPath (read-only where the manifest says so)
 * and the image's /app (conf/, verticles/; read-only as the image's) is the working directory; the image's ENTRYPOINT with the manifest's args and env, {@code $(VAR)} references
 * expanded from that env as the kubelet does. What differs from a container, and why: the JVM
 * flags of the ENTRYPOINT run the test classpath instead of /app/jdetr.jar (the shaded jar is not
 * built by the tests); the container's memory limit is given to the JVM as {@code -XX:MaxRAM}
 * (what it would read from its cgroup) and C1 compilation only (start-up on a shared machine);
 * the process runs as root (the test classpath lives in root's home). The process is the JVM itself (every launcher execs), so SIGKILL kills the pod.
 */
final class EmulatedPod implements AutoCloseable {
  private static final Pattern VAR = Pattern.compile("\\$\\(([A-Z_][A-Z0-9_]*)\\)");

  private final String name;
  private final String ip;
  private final Process process;
  private final Path stderr;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> seen = new ArrayList<>();

  private EmulatedPod(String name, String ip, Process process, Path stderr, Path stdout) {
    this.name = name;
    this.ip = ip;
    this.process = process;
    this.stderr = stderr;
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
          var copy = Files.newBufferedWriter(stdout, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
              java.nio.file.StandardOpenOption.APPEND)) {
        for (String l; (l = r.readLine()) != null; ) {
          lines.add(l);
          copy.write(l);
          copy.newLine();
          copy.flush();
        }
      } catch (IOException ignored) {
        // the pod died
      }
    }, "pod-stdout-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts the first container of {@code podSpec}.
   *
   * @param volumes host directory of each volume name of the pod
   * @param app the image's /app directory
   * @param entrypoint the image's ENTRYPOINT
   */
  static EmulatedPod start(String name, PodNetwork network, JsonNode podSpec, Map<String, Path> volumes,
      Path app, List<String> entrypoint, String classpath, Path logs) throws IOException {
    JsonNode c = podSpec.path("containers").get(0);
    String ip = network.ip(name);
    Map<String, String> env = new LinkedHashMap<>();
    env.put("HOSTNAME", name); // as the kubelet sets it
    for (JsonNode e : c.path("env")) {
      if (e.has("value")) {
        env.put(e.path("name").asText(), expand(e.path("value").asText(), env));
      } else if (e.path("valueFrom").path("fieldRef").path("fieldPath").asText().equals("status.podIP")) {
        env.put(e.path("name").asText(), ip);
      } else {
        throw new AssertionError(name + ": env " + e + " is not emulated");
      }
    }
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", network.namespace(name), "unshare",
        "--mount", "--propagation", "private", "sh", "-e", Files.writeString(logs.resolve(name + ".mounts.sh"),
            mountScript(name, c, volumes, app)).toString()));
    for (int i = 0; i < entrypoint.size(); i++) {
      String a = entrypoint.get(i);
      if (i == 0) {
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:MaxRAM=" + bytes(c.path("resources").path("limits").path("memory").asText()));
        cmd.add("-XX:TieredStopAtLevel=1");
      } else if (a.equals("-jar")) {
        cmd.addAll(List.of("-cp", classpath, "jdetr.cli.Main"));
        i++; // the jar
      } else {
        cmd.add(a);
      }
    }
    for (JsonNode a : c.path("args")) {
      cmd.add(expand(a.asText(), env));
    }
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    Path err = logs.resolve(name + ".err.log");
    pb.redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()));
    Files.writeString(logs.resolve(name + ".cmd"), String.join(" ", cmd) + "\n" + env + "\n");
    return new EmulatedPod(name, ip, pb.start(), err, logs.resolve(name + ".out.log"));
  }

  /** The mounts of the container, then the ENTRYPOINT in /app (passed as the script's arguments). */
  private static String mountScript(String pod, JsonNode c, Map<String, Path> volumes, Path app) {
    StringBuilder s = new StringBuilder();
    s.append("mount --bind '").append(app).append("' /app\n");
    s.append("mount -o remount,bind,ro /app\n");
    for (JsonNode m : c.path("volumeMounts")) {
      Path source = volumes.get(m.path("name").asText());
      if (source == null) {
        throw new AssertionError(pod + ": no volume " + m.path("name").asText());
      }
      String target = m.path("mountPath").asText();
      s.append("mount --bind '").append(source).append("' '").append(target).append("'\n");
      if (m.path("readOnly").asBoolean()) {
        s.append("mount -o remount,bind,ro '").append(target).append("'\n");
      }
    }
    if (c.path("securityContext").path("readOnlyRootFilesystem").asBoolean()) {
      s.append("mount -o remount,bind,ro /\n"); // after the binds, which stay as they are
    }
    s.append("cd /app\nexec \"$@\"\n");
    return s.toString();
  }

  static String expand(String value, Map<String, String> env) {
    Matcher m = VAR.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String v = env.get(m.group(1));
      m.appendReplacement(out, Matcher.quoteReplacement(v != null ? v : m.group()));
    }
    return m.appendTail(out).toString();
  }

  /** A Kubernetes memory quantity (Gi, Mi) in bytes. */
  static long bytes(String quantity) {
    if (quantity.endsWith("Gi")) {
      return Long.parseLong(quantity.substring(0, quantity.length() - 2)) << 30;
    }
    if (quantity.endsWith("Mi")) {
      return Long.parseLong(quantity.substring(0, quantity.length() - 2)) << 20;
    }
    throw new AssertionError("memory quantity " + quantity + " is not emulated");
  }

  String name() {
    return name;
  }

  String ip() {
    return ip;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** The next stdout line matching {@code match}. */
  String awaitLine(Predicate<String> match, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left > 0 ? lines.poll(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS) : null;
      if (line == null) {
        if (left <= 0 || !process.isAlive() && lines.isEmpty()) {
          throw new AssertionError(name + ": no matching line within " + timeout + "; alive=" + process.isAlive()
              + "; stdout: " + tail(seen) + "; stderr: " + stderrTail());
        }
        continue;
      }
      seen.add(line);
      if (match.test(line)) {
        return line;
      }
    }
  }

  List<String> seen() {
    lines.drainTo(seen);
    return seen;
  }

  /** SIGKILL, as the kubelet's kill after the grace period or an OOM kill. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError(name + " survived SIGKILL");
    }
  }

  /** SIGTERM, then SIGKILL after {@code grace} (terminationGracePeriodSeconds); the exit code. */
  int terminate(Duration grace) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      kill();
    }
    return process.exitValue();
  }

  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " still running after " + timeout + "; stderr: " + stderrTail());
    }
    return process.exitValue();
  }

  String stderrTail() {
    try {
      return tail(Files.readAllLines(stderr));
    } catch (IOException e) {
      return "(no stderr: " + e + ")";
    }
  }

  private static String tail(List<String> all) {
    return String.join("\n", all.subList(Math.max(0, all.size() - 25), all.size()));
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}

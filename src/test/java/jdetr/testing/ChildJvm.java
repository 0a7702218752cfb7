package jdetr.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A JVM started from a test with the test classpath, for crash and cluster tests: its stdout lines
 * are queued for the test, its stderr goes to a log file, and it can be killed with SIGKILL.
 */
public final class ChildJvm implements AutoCloseable {
  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> seen = new ArrayList<>();
  private final String name;
  private final Path stderr;

  private ChildJvm(String name, Process process, Path stderr) {
    this.name = name;
    this.process = process;
    this.stderr = stderr;
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (IOException ignored) {
        // the process died: the queue simply ends
      }
    }, "child-stdout-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /** The classpath of the running tests (surefire passes it in a system property). */
  public static String testClasspath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }

  /**
   * Starts {@code mainClass} in a new JVM with {@code -Xmx512m}.
   *
   * @param logDir where the child's stderr is written ({@code <name>.err.log})
   */
  public static ChildJvm start(String name, Path logDir, List<String> jvmArgs, String mainClass,
      List<String> args) throws IOException {
    return start(name, logDir, testClasspath(), jvmArgs, mainClass, args);
  }

  /** The test classpath without logging back-ends: SLF4J then logs nothing and starts faster. */
  public static String testClasspathWithoutLogging() {
    return java.util.Arrays.stream(testClasspath().split(java.io.File.pathSeparator))
        .filter(e -> !e.contains("logback"))
        .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
  }

  /** Starts {@code mainClass} with an explicit classpath. */
  public static ChildJvm start(String name, Path logDir, String classpath, List<String> jvmArgs,
      String mainClass, List<String> args) throws IOException {
    return startUnder(List.of(), name, logDir, classpath, jvmArgs, mainClass, args);
  }

  /**
   * Starts {@code mainClass} under a wrapper command ({@code strace … --}, for example); the
   * wrapper's process is the one waited for and killed.
   */
  public static ChildJvm startUnder(List<String> wrapper, String name, Path logDir, String classpath,
      List<String> jvmArgs, String mainClass, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>(wrapper);
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx512m");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1");
    // Start-up speed on a busy machine: the test classpath is trusted, skip bytecode verification.
    cmd.add("-XX:+UnlockDiagnosticVMOptions");
    cmd.add("-XX:-BytecodeVerificationRemote");
    cmd.add("-Dai.djl.offline=true");
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(mainClass);
    cmd.addAll(args);
    Files.createDirectories(logDir);
    Path err = logDir.resolve(name + ".err.log");
    Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
    return new ChildJvm(name, p, err);
  }

  /** Waits for the next stdout line matching {@code match}; earlier lines are kept in {@link #seen()}. */
  public String awaitLine(Predicate<String> match, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
      if (line == null) {
        throw new AssertionError(name + ": no matching line within " + timeout + "; alive="
            + process.isAlive() + "; stdout so far: " + seen + "; stderr tail: " + stderrTail());
      }
      seen.add(line);
      if (match.test(line)) {
        return line;
      }
    }
  }

  /** Moves every line printed so far into {@link #seen()} and returns them. */
  public List<String> drain() {
    List<String> out = new ArrayList<>();
    lines.drainTo(out);
    seen.addAll(out);
    return out;
  }

  /** Every stdout line consumed so far. */
  public List<String> seen() {
    return seen;
  }

  public String name() {
    return name;
  }

  /** Where the child's stderr is written. */
  public Path stderrFile() {
    return stderr;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Waits for the process to exit by itself; its exit code. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " still running after " + timeout + "; stdout so far: "
          + seen + drain() + "; stderr tail: " + stderrTail());
    }
    return process.exitValue();
  }

  /** SIGKILL, and wait until the process is gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError(name + " survived SIGKILL for 30 s");
    }
  }

  /** Sends a signal by name ({@code STOP}, {@code CONT}, {@code TERM}) with kill(1). */
  public void signal(String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
        .redirectErrorStream(true).start();
    String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (kill.waitFor() != 0) {
      throw new AssertionError("kill -" + signal + " " + name + ": " + out);
    }
  }

  /** SIGTERM (graceful), then SIGKILL if it has not exited within {@code grace}. */
  public int stop(Duration grace) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      kill();
    }
    return process.exitValue();
  }

  public String stderrTail() {
    try {
      List<String> all = Files.readAllLines(stderr);
      return String.join("\n", all.subList(Math.max(0, all.size() - 30), all.size()));
    } catch (IOException e) {
      return "(no stderr: " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}

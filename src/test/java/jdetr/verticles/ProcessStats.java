package jdetr.verticles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** This JVM's resident memory and open file descriptors, from /proc (Linux). */
final class ProcessStats {

  private ProcessStats() {}

  /** Resident set size in bytes (VmRSS), or -1 where /proc is not there. */
  static long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  /** Open file descriptors (sockets included), or -1 where /proc is not there. */
  static int openFileDescriptors() {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return (int) fds.count();
    } catch (IOException e) {
      return -1;
    }
  }

  /** Waits up to {@code millis} for the descriptor count to fall to {@code atMost}; returns the last count. */
  static int awaitFileDescriptorsAtMost(int atMost, long millis) throws InterruptedException {
    long deadline = System.nanoTime() + millis * 1_000_000;
    int n = openFileDescriptors();
    while (n > atMost && System.nanoTime() < deadline) {
      Thread.sleep(50);
      n = openFileDescriptors();
    }
    return n;
  }
}

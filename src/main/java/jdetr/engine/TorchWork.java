package jdetr.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Work inside libtorch that the exit of the JVM waits for. When the JVM exits, libtorch's static
 * destructors run; a thread still inside libtorch then crashes the process (SIGSEGV, an
 * {@code hs_err_pid*.log}). A thread that owns a model wraps its work in {@link #enter}. When the
 * JVM begins to exit (SIGTERM, SIGINT, {@code System.exit}), a shutdown hook asks each open piece
 * of work to stop at its next boundary (a training step, an evaluation batch, a detection batch),
 * never interrupting a thread, and waits until every one has left libtorch, at most
 * {@link #EXIT_WAIT}, before the exit goes on. The exit status stays the JVM's: 143 after SIGTERM,
 * 130 after SIGINT.
 */
public final class TorchWork {
  /** How long the exit waits for open work: a large model's CPU step can take a minute. */
  public static final Duration EXIT_WAIT = Duration.ofSeconds(120);

  private static final Object LOCK = new Object();
  private static final Set<Scope> OPEN = new LinkedHashSet<>(); // guarded by LOCK
  private static boolean hooked; // guarded by LOCK
  private static boolean exiting; // guarded by LOCK
  /** The signal that started the exit ("SIGTERM"), and 128 + its number. */
  private static volatile String signal;
  private static volatile int signalStatus = 1;

  private TorchWork() {}

  /**
   * Marks the calling thread as working inside libtorch until the returned scope is closed.
   *
   * @param what what the work is, for messages ("training")
   * @param stop asks the work to stop at its next boundary, given the reason ("SIGTERM"); called
   *     from the shutdown hook's thread
   * @throws IllegalStateException when the JVM is already exiting
   */
  public static Scope enter(String what, Consumer<String> stop) {
    synchronized (LOCK) {
      if (!hooked) {
        hooked = true;
        catchSignal("TERM");
        catchSignal("INT");
        Runtime.getRuntime().addShutdownHook(new Thread(TorchWork::awaitOpenWork, "jdetr-torch-exit"));
      }
      if (exiting) {
        throw new IllegalStateException("the JVM is exiting (" + reason() + "): " + what
            + " does not start");
      }
      Scope scope = new Scope(what, stop, Thread.currentThread().getName());
      OPEN.add(scope);
      return scope;
    }
  }

  /**
   * {@link #enter(String, Consumer)} for work that polls {@link Scope#stopRequested()} at its
   * boundaries, or that cannot stop early.
   */
  public static Scope enter(String what) {
    return enter(what, reason -> { });
  }

  /** Why the JVM exits ("SIGTERM", "SIGINT", "exit"), or null while it does not. */
  public static String exitReason() {
    synchronized (LOCK) {
      return exiting || signal != null ? reason() : null;
    }
  }

  /** The conventional exit status of the signal that stopped the JVM (128 + its number), else 1. */
  public static int exitStatus() {
    return signalStatus;
  }

  /** One piece of open work; closing it tells the exit that the thread has left libtorch. */
  public static final class Scope implements AutoCloseable {
    private final String what;
    private final Consumer<String> stop;
    private final String thread;
    private volatile boolean stopRequested;

    private Scope(String what, Consumer<String> stop, String thread) {
      this.what = what;
      this.stop = stop;
      this.thread = thread;
    }

    /** Whether the JVM's exit has asked this work to stop. */
    public boolean stopRequested() {
      return stopRequested;
    }

    @Override
    public void close() {
      synchronized (LOCK) {
        OPEN.remove(this);
        LOCK.notifyAll();
      }
    }

    @Override
    public String toString() {
      return what + " (thread " + thread + ")";
    }
  }

  private static String reason() {
    String s = signal;
    return s != null ? s : "exit";
  }

  /** The shutdown hook: asks every open piece of work to stop, then waits for all of them. */
  private static void awaitOpenWork() {
    List<Scope> open;
    String why;
    synchronized (LOCK) {
      exiting = true;
      why = reason();
      open = new ArrayList<>(OPEN);
    }
    if (open.isEmpty()) {
      return;
    }
    System.err.printf("jdetr: %s: stopping %s at the next step or batch (waiting up to %d s)%n",
        why, describe(open), EXIT_WAIT.toSeconds());
    for (Scope s : open) {
      s.stopRequested = true;
      try {
        s.stop.accept(why);
      } catch (RuntimeException e) {
        System.err.println("jdetr: could not ask " + s + " to stop: " + e);
      }
    }
    long deadline = System.nanoTime() + EXIT_WAIT.toNanos();
    synchronized (LOCK) {
      while (!OPEN.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          System.err.printf("jdetr: %s still inside libtorch after %d s; exiting anyway%n",
              describe(new ArrayList<>(OPEN)), EXIT_WAIT.toSeconds());
          return;
        }
        try {
          LOCK.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private static String describe(List<Scope> scopes) {
    return String.join(", ", scopes.stream().map(Scope::toString).toList());
  }

  /**
   * Remembers that {@code name} arrived, then lets the JVM's own handler start the exit. A signal
   * the process ignores (a background job's SIGINT) stays ignored; one the JVM does not let us
   * handle ({@code -Xrs}) keeps its default.
   */
  private static void catchSignal(String name) {
    try {
      sun.misc.Signal which = new sun.misc.Signal(name);
      AtomicReference<sun.misc.SignalHandler> previous = new AtomicReference<>();
      sun.misc.SignalHandler old = sun.misc.Signal.handle(which, s -> {
        signalStatus = 128 + s.getNumber();
        signal = "SIG" + s.getName();
        sun.misc.SignalHandler p = previous.get();
        if (p != null && p != sun.misc.SignalHandler.SIG_DFL && p != sun.misc.SignalHandler.SIG_IGN) {
          p.handle(s);
        } else {
          Runtime.getRuntime().exit(128 + s.getNumber());
        }
      });
      if (old == sun.misc.SignalHandler.SIG_IGN) {
        sun.misc.Signal.handle(which, old);
      } else {
        previous.set(old);
      }
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      // the exit still waits for open work; it only cannot name the signal
    }
  }
}

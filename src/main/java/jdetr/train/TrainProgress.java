package jdetr.train;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.text.DecimalFormat;
import java.time.Duration;
import java.util.function.Consumer;
import jdetr.engine.StepMetrics;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows training progress from the per-step metrics: on a terminal, a progress bar per epoch with
 * the step rate, the elapsed time, the ETA and the current losses
 * ({@code epoch 3  42% [====>     ] 105/250 (0:00:57 / 0:01:19) 1.84/s loss 12.346 ce 1.234 …});
 * otherwise (CI, tests, a log file) a plain line
 * every N steps and at the end of each epoch:
 *
 * <pre>
 * epoch 0 [10/250] 1.84 steps/s eta 130 s  loss 12.3456 ce 1.2345 bbox 2.3456 giou 1.3456 class_error 75.0 lr 1.00e-04
 * </pre>
 */
public final class TrainProgress implements Consumer<StepMetrics>, AutoCloseable {

  /** A bar per epoch, or plain lines. */
  public enum Mode { BAR, LINES }

  private final Mode mode;
  private final PrintStream out;
  private final int every;
  private final PrintStream messages;
  private final int width;
  private ProgressBar bar;
  private int epoch = -1;
  private double epochSeconds;
  private int epochSteps;

  /**
   * @param out where the bar or the lines go
   * @param every print a line every this many steps (LINES)
   */
  public TrainProgress(Mode mode, PrintStream out, int every) {
    this(mode, out, every, 0);
  }

  /** With a bar {@code width} characters wide at most (0: the terminal's width). */
  TrainProgress(Mode mode, PrintStream out, int every, int width) {
    this.width = width;
    if (every < 1) {
      throw new IllegalArgumentException("progress lines every " + every + " steps: must be >= 1");
    }
    this.mode = mode;
    this.out = out;
    this.every = every;
    this.messages = mode == Mode.BAR
        ? new PrintStream(new LineAboveBar(out), true, StandardCharsets.UTF_8) : out;
  }

  /** A bar when standard output is an interactive terminal, lines otherwise. */
  public static Mode detect() {
    String term = System.getenv("TERM");
    return System.console() != null && term != null && !term.equals("dumb") ? Mode.BAR : Mode.LINES;
  }

  public Mode mode() {
    return mode;
  }

  /**
   * Where other messages go while the display runs: with a bar, each line first clears the bar's
   * line (the bar redraws itself below).
   */
  public PrintStream messages() {
    return messages;
  }

  @Override
  public synchronized void accept(StepMetrics m) {
    if (m.epoch() != epoch) {
      closeBar();
      epoch = m.epoch();
      epochSeconds = 0;
      epochSteps = 0;
    }
    epochSeconds += m.seconds();
    epochSteps++;
    if (mode == Mode.LINES) {
      if (m.epochStep() % every == 0 || m.epochStep() == m.stepsInEpoch()) {
        double rate = epochSteps / Math.max(epochSeconds, 1e-9);
        out.printf("epoch %d [%d/%d] %.2f steps/s eta %.0f s  %s%n", m.epoch(), m.epochStep(),
            m.stepsInEpoch(), rate, (m.stepsInEpoch() - m.epochStep()) / rate, losses(m));
      }
      return;
    }
    if (bar == null) {
      bar = new ProgressBarBuilder().setTaskName("epoch " + m.epoch())
          .setInitialMax(m.stepsInEpoch())
          .startsFrom(m.epochStep() - 1L, Duration.ofNanos((long) (m.seconds() * 1e9)))
          .setStyle(ProgressBarStyle.ASCII)
          .setUpdateIntervalMillis(500)
          .showSpeed(new DecimalFormat("0.00"))
          .setConsumer(width > 0 ? new ConsoleProgressBarConsumer(out, width)
              : new ConsoleProgressBarConsumer(out))
          .build();
    }
    bar.stepTo(m.epochStep());
    bar.setExtraMessage(String.format(" loss %.3f ce %.3f bbox %.3f giou %.3f", m.value("loss"),
        m.value("loss_ce"), m.value("loss_bbox"), m.value("loss_giou")));
    if (m.epochStep() >= m.stepsInEpoch()) {
      closeBar();
    }
  }

  /** The current losses, learning rate and class error of a step. */
  static String losses(StepMetrics m) {
    return String.format("loss %.4f ce %.4f bbox %.4f giou %.4f class_error %.1f lr %.2e",
        m.value("loss"), m.value("loss_ce"), m.value("loss_bbox"), m.value("loss_giou"),
        m.value("class_error"), m.value("lr"));
  }

  private void closeBar() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }

  @Override
  public synchronized void close() {
    closeBar();
    messages.flush();
  }

  /** Writes whole lines to the terminal, each preceded by "clear the current line". */
  private static final class LineAboveBar extends OutputStream {
    private final PrintStream terminal;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    LineAboveBar(PrintStream terminal) {
      this.terminal = terminal;
    }

    @Override
    public synchronized void write(int b) {
      line.write(b);
      if (b == '\n') {
        flushLine();
      }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      for (int i = off; i < off + len; i++) {
        write(b[i]);
      }
    }

    @Override
    public synchronized void flush() {
      if (line.size() > 0 && line.toByteArray()[line.size() - 1] == '\n') {
        flushLine();
      }
      terminal.flush();
    }

    private void flushLine() {
      synchronized (terminal) {
        terminal.print("\r\033[K");
        terminal.print(line.toString(StandardCharsets.UTF_8));
        terminal.flush();
      }
      line.reset();
    }
  }
}

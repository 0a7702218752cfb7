package jdetr.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import jdetr.checkpoint.CheckpointStore;
import jdetr.eval.EvalResult;
import jdetr.eval.ScoreThresholdMetrics;
import jdetr.io.AtomicFiles;

/**
 * The run's {@code log.jsonl}: one line per epoch with the reference's keys ({@code train_*}
 * averages, {@code test_coco_eval_bbox} when the epoch was evaluated and {@code
 * test_coco_eval_masks} when its model predicts masks, {@code test_PQ_all}, {@code test_PQ_th}
 * and {@code test_PQ_st} ({@code {pq, sq, rq, n}}) on panoptic data, {@code epoch},
 * {@code n_parameters}), in epoch order; an evaluation with a score-threshold monitor adds {@code
 * test_score_threshold}, {@code test_precision} and {@code test_recall}, the precision and recall
 * at IoU 0.5 of the boxes scoring at least the threshold ({@link ScoreThresholdMetrics}). The line
 * of an epoch is written once both its train averages and, if it is evaluated, its evaluation are
 * known; the evaluation may come from another thread or stage while later epochs train. After each
 * line, {@code plots/} is redrawn. Thread-safe.
 */
public final class RunLog {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How long the end of a run waits for evaluations before it says so. */
  static final Duration QUIET_WAIT = Duration.ofSeconds(10);
  /** How often a longer wait reminds what it waits for. */
  static final Duration REMINDER = Duration.ofSeconds(60);

  /**
   * An epoch whose line is not written yet.
   *
   * @param step the step of the checkpoint its evaluation reads
   * @param evaluate whether the line waits for an evaluation
   * @param train the epoch's train averages (keys without the {@code train_} prefix)
   */
  public record Unlogged(int epoch, long step, boolean evaluate, Map<String, Double> train) {
    public Unlogged {
      train = Collections.unmodifiableMap(new LinkedHashMap<>(train));
    }
  }

  private static final class Pending {
    final Unlogged epoch;
    double[] stats;
    double[] maskStats;
    double[] panoptic;
    ScoreThresholdMetrics atScore;
    String failure;

    Pending(Unlogged epoch) {
      this.epoch = epoch;
    }

    boolean complete() {
      return !epoch.evaluate() || stats != null || failure != null;
    }
  }

  private final Path file;
  private final Path plots;
  private final long nParameters;
  private final PrintStream progress;
  private final TreeMap<Integer, Pending> pending = new TreeMap<>();
  private final List<Integer> written = new ArrayList<>();
  private Map<String, Object> last = Map.of();

  private RunLog(Path outDir, long nParameters, PrintStream progress) {
    this.file = outDir.resolve("log.jsonl");
    this.plots = outDir.resolve("plots");
    this.nParameters = nParameters;
    this.progress = progress;
  }

  /**
   * Opens the log of a run that continues at epoch {@code firstEpoch}: lines of that epoch and
   * later (written by a run that went further than its last checkpoint) are dropped, earlier ones
   * kept.
   */
  public static RunLog open(Path outDir, int firstEpoch, long nParameters, PrintStream progress)
      throws IOException {
    RunLog log = new RunLog(outDir, nParameters, progress);
    if (Files.exists(log.file)) {
      List<String> kept = new ArrayList<>();
      boolean dropped = false;
      for (String line : Files.readAllLines(log.file, StandardCharsets.UTF_8)) {
        JsonNode n = parse(line);
        if (n != null && n.path("epoch").asInt(Integer.MAX_VALUE) < firstEpoch) {
          kept.add(line);
          log.written.add(n.get("epoch").asInt());
        } else {
          dropped |= !line.isBlank();
        }
      }
      if (dropped) {
        AtomicFiles.writeBytes(log.file, (String.join("\n", kept) + (kept.isEmpty() ? "" : "\n"))
            .getBytes(StandardCharsets.UTF_8));
      }
    }
    return log;
  }

  /** Whether the line of {@code epoch} is in the file. */
  public synchronized boolean has(int epoch) {
    return written.contains(epoch);
  }

  /** The train averages of {@code epoch}; the line waits for its evaluation when {@code evaluate}. */
  public synchronized void train(int epoch, long checkpointStep, Map<String, Double> averages,
      boolean evaluate) throws IOException {
    pending.put(epoch, new Pending(new Unlogged(epoch, checkpointStep, evaluate, averages)));
    flush();
  }

  /** Re-registers an epoch a resumed checkpoint had not logged yet. */
  public synchronized void restore(Unlogged epoch) throws IOException {
    pending.put(epoch.epoch(), new Pending(epoch));
    flush();
  }

  /** The evaluation of an epoch (or why it failed). A result nobody waits for is ignored. */
  public synchronized void eval(EvalResult result) throws IOException {
    Pending p = pending.get(result.epoch());
    if (p == null || !p.epoch.evaluate() || p.complete()) {
      return;
    }
    if (result.ok()) {
      p.stats = result.stats().clone();
      p.maskStats = result.maskStats().length == 0 ? null : result.maskStats().clone();
      p.panoptic = result.panoptic().length == 0 ? null : result.panoptic().clone();
      p.atScore = result.scoreThresholdMetrics();
      if (p.panoptic != null) {
        progress.printf("epoch %d: val PQ %.4f (things %.4f, stuff %.4f)%n", result.epoch(),
            p.panoptic[0], p.panoptic[4], p.panoptic[8]);
      }
      String atScore = p.atScore == null ? "" : String.format(
          ", at score >= %s precision %.3f recall %.3f", p.atScore.scoreThreshold(),
          p.atScore.precision(), p.atScore.recall());
      progress.printf("epoch %d: val AP %.4f AP50 %.4f%s (%s, %.1f s)%n", result.epoch(),
          result.stats()[0], result.stats()[1], atScore, Path.of(result.checkpoint()).getFileName(),
          result.seconds());
    } else {
      p.failure = result.error();
      progress.printf("warning: epoch %d was not evaluated: %s%n", result.epoch(), result.error());
    }
    flush();
    notifyAll();
  }

  /** The epochs still waiting for their evaluation (saved in checkpoints). */
  public synchronized List<Unlogged> unlogged() {
    return pending.values().stream().map(p -> p.epoch).toList();
  }

  /**
   * Waits up to {@code timeout} for the outstanding evaluations; lines still waiting then are
   * written without them, with a warning.
   */
  public synchronized void finish(Duration timeout) throws IOException {
    finish(timeout, () -> false);
  }

  /**
   * {@link #finish(Duration)} that gives up early, within a second of {@code stopped} saying so:
   * the lines still waiting are then left unwritten (the checkpoints keep them for a resumed run)
   * and it returns false. A wait longer than {@link #QUIET_WAIT} says what it waits for, and
   * reminds every {@link #REMINDER} after that.
   */
  public synchronized boolean finish(Duration timeout, BooleanSupplier stopped) throws IOException {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    long nextNotice = start + QUIET_WAIT.toNanos();
    while (!pending.isEmpty()) {
      if (stopped.getAsBoolean()) {
        return false;
      }
      long now = System.nanoTime();
      long left = deadline - now;
      if (left <= 0) {
        for (Pending p : pending.values()) {
          if (!p.complete()) {
            p.failure = timeout.isZero() ? "not evaluated (the run does not wait for evaluations)"
                : String.format("no evaluation within %.1f s", timeout.toMillis() / 1000.0);
            progress.printf("warning: epoch %d: %s; evaluate it later with: jdetr eval --checkpoint"
                + " %s%n", p.epoch.epoch(), p.failure, file.resolveSibling("checkpoints")
                .resolve(CheckpointStore.dirName(p.epoch.step())));
          }
        }
        flush();
        return true;
      }
      if (now >= nextNotice) {
        progress.printf("%s for the evaluation of %s: %d s left of --eval-wait %d s (an eval stage"
                + " evaluates it: jdetr node --role eval --cluster CLUSTER.xml)%n",
            nextNotice == start + QUIET_WAIT.toNanos() ? "waiting" : "still waiting",
            waitingFor(), left / 1_000_000_000L, timeout.toSeconds());
        nextNotice = now + REMINDER.toNanos();
      }
      try {
        wait(Math.max(1, Math.min(1000, left / 1_000_000)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for the last evaluation", e);
      }
    }
    return true;
  }

  /** {@code "epoch 3 (step-000200)"}, or several, of the lines waiting for an evaluation. */
  private String waitingFor() {
    List<String> epochs = new ArrayList<>();
    for (Pending p : pending.values()) {
      if (!p.complete()) {
        epochs.add(p.epoch.epoch() + " (" + CheckpointStore.dirName(p.epoch.step()) + ")");
      }
    }
    return (epochs.size() == 1 ? "epoch " : "epochs ") + String.join(", ", epochs);
  }

  /** The last line written. */
  public synchronized Map<String, Object> lastLine() {
    return last;
  }

  /** Writes the complete lines at the head of the queue, in epoch order. */
  private void flush() throws IOException {
    boolean any = false;
    while (!pending.isEmpty() && pending.firstEntry().getValue().complete()) {
      Pending p = pending.pollFirstEntry().getValue();
      Map<String, Object> line = new LinkedHashMap<>();
      p.epoch.train().forEach((k, v) -> line.put("train_" + k, v));
      if (p.stats != null) {
        line.put("test_coco_eval_bbox", p.stats);
      }
      if (p.maskStats != null) {
        line.put("test_coco_eval_masks", p.maskStats);
      }
      for (int g = 0; p.panoptic != null && g < EvalResult.PANOPTIC_GROUPS.size(); g++) {
        Map<String, Object> average = new LinkedHashMap<>(); // the reference's {pq, sq, rq, n}
        average.put("pq", p.panoptic[4 * g]);
        average.put("sq", p.panoptic[4 * g + 1]);
        average.put("rq", p.panoptic[4 * g + 2]);
        average.put("n", (int) p.panoptic[4 * g + 3]);
        line.put("test_" + EvalResult.PANOPTIC_GROUPS.get(g), average);
      }
      if (p.atScore != null) {
        line.put("test_score_threshold", p.atScore.scoreThreshold());
        line.put("test_precision", p.atScore.precision());
        line.put("test_recall", p.atScore.recall());
      }
      line.put("epoch", p.epoch.epoch());
      line.put("n_parameters", nParameters);
      append(line);
      written.add(p.epoch.epoch());
      last = line;
      any = true;
    }
    if (any) {
      try {
        RunFigures.plots(file, plots);
      } catch (IOException | RuntimeException e) {
        progress.println("warning: could not draw the run's plots: " + e);
      }
    }
  }

  /** Appends one JSON line: the whole file is rewritten atomically, earlier lines kept. */
  private void append(Map<String, Object> line) throws IOException {
    byte[] before = Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
    byte[] add = (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] all = new byte[before.length + add.length];
    System.arraycopy(before, 0, all, 0, before.length);
    System.arraycopy(add, 0, all, before.length, add.length);
    AtomicFiles.writeBytes(file, all);
  }

  private static JsonNode parse(String line) {
    if (line.isBlank()) {
      return null;
    }
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      return null; // a torn last line
    }
  }
}

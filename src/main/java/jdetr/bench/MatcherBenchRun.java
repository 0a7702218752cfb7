package jdetr.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import jdetr.matcher.HungarianMatcher;
import jdetr.matcher.LinearAssignment;
import jdetr.matcher.MatchInput;
import jdetr.matcher.MatcherConfig;

/**
 * {@code jdetr bench matcher}: times a whole training step's matching (cost matrices + assignment
 * for every image and decoder layer) on DETR-shaped random problems, on one thread and on all
 * cores, and the assignment solver alone. Q = 100 uses DETR's matcher (softmax cost, 92 logits),
 * Q = 300 Deformable DETR's (focal cost, 91 logits). With a reference (the JSON lines of
 * bench_reference.py) each line also carries the ratio to the reference matcher and to scipy's
 * solver on the same shape.
 */
public final class MatcherBenchRun {
  private final int[] queries;
  private final int[] batches;
  private final int[] targets;
  private final int layers;
  private final int threads;
  private final double minSeconds;
  private final double warmupSeconds;
  private final Path reference;
  private final ObjectMapper json = new ObjectMapper();
  private final ThreadMXBean threadClock = ManagementFactory.getThreadMXBean();

  /**
   * @param queries queries per image (100: DETR's matcher, 300: Deformable DETR's)
   * @param batches images per step
   * @param targets targets per image
   * @param layers decoder layers matched per step
   * @param threads threads of the parallel run
   * @param minSeconds how long each shape is measured at least
   * @param warmupSeconds how long each matcher runs before anything is measured
   * @param reference JSON lines of bench_reference.py, or null
   */
  public MatcherBenchRun(int[] queries, int[] batches, int[] targets, int layers, int threads,
      double minSeconds, double warmupSeconds, Path reference) {
    this.queries = queries.clone();
    this.batches = batches.clone();
    this.targets = targets.clone();
    this.layers = layers;
    this.threads = threads;
    this.minSeconds = minSeconds;
    this.warmupSeconds = warmupSeconds;
    this.reference = reference;
  }

  /** Times every shape and prints one JSON line per measurement. */
  public void run() {
    Map<String, JsonNode> ref = readReference();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      warmUp(pool);
      for (int q : queries) {
        boolean deformable = q >= 300;
        HungarianMatcher matcher =
            new HungarianMatcher(deformable ? MatcherConfig.DEFORMABLE_DETR : MatcherConfig.DETR);
        String variant = deformable ? "deformable" : "detr";
        int classes = deformable ? 91 : 92;
        for (int t : targets) {
          for (int b : batches) {
            List<MatchInput> units = units(new Random(1234), layers * b, q, classes, t);
            ObjectNode base = json.createObjectNode().put("variant", variant).put("queries", q)
                .put("classes", classes).put("batch", b).put("targets", t).put("layers", layers);
            String key = variant + "/" + q + "/" + b + "/" + t;

            Timing one = time(() -> matcher.matchAll(units), false);
            System.out.println(withRatio(line(base, "step", 1, one, b),
                ref.get("reference/" + key), one, "speedupVsReference", false));
            Timing all = time(() -> matcher.matchAll(units, pool), true);
            System.out.println(line(base, "step", threads, all, b));

            List<double[]> costs = costs(new Random(99), layers * b, q, t);
            LinearAssignment solver = new LinearAssignment();
            Timing solve = time(() -> costs.forEach(c -> solver.solve(c, q, t)), false);
            System.out.println(withRatio(line(base, "solve", 1, solve, b), ref.get("scipy/" + key),
                solve, "ratioToScipy", true));
          }
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private ObjectNode line(ObjectNode base, String what, int threadCount, Timing t, int batch) {
    ObjectNode line = json.createObjectNode().put("impl", "jdetr").put("what", what);
    line.setAll(base);
    return line.put("threads", threadCount).put("msPerStep", round(t.wallMs()))
        .put("cpuMsPerStep", round(t.cpuMs())).put("cpuMsPerImage", round(t.cpuMs() / batch))
        .put("reps", t.reps());
  }

  /**
   * Adds the other implementation's times and the ratio of CPU times: ours / theirs when
   * {@code oursOverTheirs}, else theirs / ours.
   */
  private static ObjectNode withRatio(ObjectNode line, JsonNode other, Timing ours, String name,
      boolean oursOverTheirs) {
    if (other == null) {
      return line;
    }
    double theirs = other.get("cpuMsPerStep").asDouble();
    line.put("otherMsPerStep", other.get("msPerStep").asDouble()).put("otherCpuMsPerStep", theirs);
    return line.put(name, round(oursOverTheirs ? ours.cpuMs() / theirs : theirs / ours.cpuMs()));
  }

  /**
   * Median wall milliseconds of one run after warming up, and CPU milliseconds: the median of
   * this thread's CPU time when {@code parallel} is false, else the process's CPU time over all runs
   * divided by their number (the process clock only ticks every few milliseconds).
   */
  private Timing time(Runnable run, boolean parallel) {
    long warm = System.nanoTime() + (long) (0.1 * minSeconds * 1e9);
    do {
      run.run(); // this shape's own warm-up: a tenth of the measuring time, at least one run
    } while (System.nanoTime() < warm);
    List<Double> walls = new ArrayList<>();
    List<Double> cpus = new ArrayList<>();
    long start = System.nanoTime();
    long processStart = ProcessCpu.totalNanos();
    while (walls.size() < 3
        || (System.nanoTime() - start < minSeconds * 1e9 && walls.size() < 1000)) {
      long c0 = threadClock.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      run.run();
      walls.add((System.nanoTime() - t0) / 1e6);
      cpus.add((threadClock.getCurrentThreadCpuTime() - c0) / 1e6);
    }
    double cpu = parallel ? (ProcessCpu.totalNanos() - processStart) / 1e6 / walls.size()
        : median(cpus);
    return new Timing(median(walls), cpu, walls.size());
  }

  /** Wall and CPU time of one step; CPU time is what a busy shared machine distorts least. */
  record Timing(double wallMs, double cpuMs, int reps) {}

  private static double median(List<Double> samples) {
    double[] sorted = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return sorted[sorted.length / 2];
  }

  /** Lets the JIT compile the matcher and the solver before anything is measured. */
  private void warmUp(ExecutorService pool) {
    Random rnd = new Random(7);
    for (MatcherConfig config : List.of(MatcherConfig.DETR, MatcherConfig.DEFORMABLE_DETR)) {
      // Runs at least once, so a zero warm-up still exercises both matchers.
      HungarianMatcher m = new HungarianMatcher(config);
      List<MatchInput> units = units(rnd, 24, 100, 92, 30);
      List<double[]> costs = costs(rnd, 24, 100, 30);
      LinearAssignment solver = new LinearAssignment();
      long end = System.nanoTime() + (long) (warmupSeconds * 1e9);
      do {
        m.matchAll(units);
        m.matchAll(units, pool);
        costs.forEach(c -> solver.solve(c, 100, 30));
      } while (System.nanoTime() < end);
    }
  }

  /** Random DETR-like units: logits ~ N(0,1), boxes = sigmoid(N(0,1)), targets inside the image. */
  private static List<MatchInput> units(Random rnd, int count, int queries, int classes, int targets) {
    List<MatchInput> out = new ArrayList<>(count);
    for (int u = 0; u < count; u++) {
      float[] logits = new float[queries * classes];
      for (int k = 0; k < logits.length; k++) {
        logits[k] = (float) rnd.nextGaussian();
      }
      float[] boxes = new float[queries * 4];
      for (int k = 0; k < boxes.length; k++) {
        boxes[k] = (float) (1 / (1 + Math.exp(-rnd.nextGaussian())));
      }
      int[] labels = new int[targets];
      float[] tgt = new float[targets * 4];
      for (int t = 0; t < targets; t++) {
        labels[t] = rnd.nextInt(classes - 1);
        tgt[4 * t] = 0.1f + 0.8f * rnd.nextFloat();
        tgt[4 * t + 1] = 0.1f + 0.8f * rnd.nextFloat();
        tgt[4 * t + 2] = 0.02f + 0.48f * rnd.nextFloat();
        tgt[4 * t + 3] = 0.02f + 0.48f * rnd.nextFloat();
      }
      out.add(new MatchInput(logits, boxes, labels, tgt));
    }
    return out;
  }

  /** Standard normal [Q, T] cost matrices, as bench_reference.py hands to scipy. */
  private static List<double[]> costs(Random rnd, int count, int queries, int targets) {
    List<double[]> out = new ArrayList<>(count);
    for (int u = 0; u < count; u++) {
      double[] c = new double[queries * targets];
      Arrays.setAll(c, k -> rnd.nextGaussian());
      out.add(c);
    }
    return out;
  }

  /** "impl/variant/Q/B/T" -> the single-threaded lines of bench_reference.py. */
  private Map<String, JsonNode> readReference() {
    Map<String, JsonNode> out = new HashMap<>();
    if (reference == null) {
      return out;
    }
    try {
      for (String text : Files.readAllLines(reference)) {
        if (text.isBlank()) {
          continue;
        }
        JsonNode n = json.readTree(text);
        if (n.has("cpuMsPerStep") && n.path("threads").asInt(1) == 1) {
          out.put(n.get("impl").asText() + "/" + n.get("variant").asText() + "/"
              + n.get("queries").asInt() + "/" + n.get("batch").asInt() + "/"
              + n.get("targets").asInt(), n);
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read --reference " + reference + ": " + e, e);
    }
    return out;
  }

  private static double round(double x) {
    return Math.round(x * 1e4) / 1e4;
  }
}

package jdetr.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import jdetr.data.CocoAnnotationReader;
import jdetr.eval.CocoEvaluation;
import jdetr.eval.CocoEvaluator;
import jdetr.eval.CocoJsonWriter;
import jdetr.eval.CocoParams;
import jdetr.eval.CocoResult;
import jdetr.eval.CocoResultsReader;
import jdetr.eval.GroundTruthSet;
import jdetr.eval.SyntheticEvalSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jdetr bench eval}: COCO evaluation of generated detections (5,000 images x 100 by
 * default), timed; optionally the same files through pycocotools for the ratio.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Time COCO box evaluation on generated data (and pycocotools on the same files).")
final class BenchEvalCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--images", defaultValue = "5000", description = "Images (default: ${DEFAULT-VALUE}).")
  int images;

  @Option(names = "--dets", defaultValue = "100", description = "Detections per image (default: ${DEFAULT-VALUE}).")
  int dets;

  @Option(names = "--categories", defaultValue = "80", description = "Categories (default: ${DEFAULT-VALUE}).")
  int categories;

  @Option(names = "--seed", defaultValue = "42", description = "Generator seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--threads", description = "Categories evaluated in parallel (default: all cores).")
  Integer threads;

  @Option(names = "--repeat", defaultValue = "3", description = "Timed runs; the best is reported (default: ${DEFAULT-VALUE}).")
  int repeat;

  @Option(names = "--out", paramLabel = "DIR",
      description = "Keep gt.json and dt.json here (default: a temp folder, deleted afterwards).")
  Path out;

  @Option(names = "--python", paramLabel = "CMD",
      description = "Also time pycocotools with this Python (e.g. /usr/bin/python3).")
  String python;

  @Option(names = "--pycocotools", paramLabel = "DIR",
      description = "Folder holding the pycocotools package, put on PYTHONPATH for --python.")
  Path pycocotools;

  @Override
  public Integer call() throws Exception {
    int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    Path dir = out != null ? Files.createDirectories(out) : Files.createTempDirectory("jdetr-bench-eval");
    try {
      long g0 = System.nanoTime();
      SyntheticEvalSet set = SyntheticEvalSet.generate(seed, images, dets, categories);
      Path gtFile = dir.resolve("gt.json");
      Path dtFile = dir.resolve("dt.json");
      CocoJsonWriter.writeGroundTruth(set.groundTruth(), gtFile);
      CocoJsonWriter.writeResults(set.results(), dtFile);
      double generateS = seconds(g0);

      double bestRead = Double.MAX_VALUE;
      double bestEval = Double.MAX_VALUE;
      double bestEvalCpu = Double.MAX_VALUE;
      List<Double> evalRuns = new ArrayList<>();
      double[] stats = null;
      for (int r = 0; r < repeat; r++) {
        long t0 = System.nanoTime();
        // parsed on every repeat (not through CocoAnnotationCache): load_s times the parse
        GroundTruthSet gt = GroundTruthSet.of(CocoAnnotationReader.read(gtFile));
        List<CocoResult> results = CocoResultsReader.read(dtFile);
        long t1 = System.nanoTime();
        long c1 = processCpuNanos();
        CocoEvaluation e = new CocoEvaluator(gt, CocoParams.bbox(), n).evaluate(results);
        stats = e.stats();
        long t2 = System.nanoTime();
        bestEvalCpu = Math.min(bestEvalCpu, (processCpuNanos() - c1) / 1e9);
        bestRead = Math.min(bestRead, (t1 - t0) / 1e9);
        bestEval = Math.min(bestEval, (t2 - t1) / 1e9);
        evalRuns.add((t2 - t1) / 1e9);
      }
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("bench", "eval");
      line.put("impl", "jdetr");
      line.put("images", images);
      line.put("detections", set.results().size());
      line.put("objects", set.groundTruth().annotations().size());
      line.put("categories", categories);
      line.put("threads", n);
      line.put("generate_s", generateS);
      line.put("load_s", bestRead);
      line.put("eval_s", bestEval);
      line.put("eval_runs_s", evalRuns);
      line.put("eval_cpu_s", bestEvalCpu);
      line.put("total_s", bestRead + bestEval);
      line.put("stats", stats);
      System.out.println(JSON.writeValueAsString(line));

      if (python != null) {
        JsonNode py = runPycocotools(gtFile, dtFile);
        System.out.println(JSON.writeValueAsString(py));
        double maxDiff = 0;
        for (int i = 0; i < stats.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(stats[i] - py.get("stats").get(i).asDouble()));
        }
        Map<String, Object> ratio = new LinkedHashMap<>();
        ratio.put("bench", "eval");
        ratio.put("ratio_eval", py.get("eval_s").asDouble() / bestEval);
        ratio.put("ratio_eval_cpu", py.get("eval_cpu_s").asDouble() / bestEvalCpu);
        ratio.put("ratio_total", py.get("total_s").asDouble() / (bestRead + bestEval));
        ratio.put("max_stat_diff", maxDiff);
        System.out.println(JSON.writeValueAsString(ratio));
      }
      return 0;
    } finally {
      if (out == null) {
        deleteTree(dir);
      }
    }
  }

  private JsonNode runPycocotools(Path gtFile, Path dtFile) throws IOException, InterruptedException {
    Path script = Files.createTempFile("pycocotools_eval", ".py");
    try {
      try (InputStream in = BenchEvalCommand.class.getResourceAsStream("/jdetr/bench/pycocotools_eval.py")) {
        if (in == null) {
          throw new IOException("resource /jdetr/bench/pycocotools_eval.py missing from the jar");
        }
        Files.write(script, in.readAllBytes());
      }
      ProcessBuilder pb = new ProcessBuilder(python, script.toString(), gtFile.toString(), dtFile.toString());
      if (pycocotools != null) {
        String old = System.getenv("PYTHONPATH");
        pb.environment().put("PYTHONPATH",
            pycocotools.toAbsolutePath() + (old == null || old.isEmpty() ? "" : ":" + old));
      }
      pb.redirectError(ProcessBuilder.Redirect.INHERIT);
      Process p = pb.start();
      String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int code = p.waitFor();
      if (code != 0) {
        throw new IOException(python + " " + script + " exited with " + code);
      }
      String last = stdout.strip().lines().reduce((a, b) -> b).orElse("");
      return JSON.readTree(last);
    } finally {
      Files.deleteIfExists(script);
    }
  }

  /** CPU time of the whole JVM (all threads, JIT and GC included). */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}

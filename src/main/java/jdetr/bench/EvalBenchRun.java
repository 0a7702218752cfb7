package jdetr.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import jdetr.data.CocoAnnotationReader;
import jdetr.eval.CocoEvaluation;
import jdetr.eval.CocoEvaluator;
import jdetr.eval.CocoJsonWriter;
import jdetr.eval.CocoParams;
import jdetr.eval.CocoResult;
import jdetr.eval.CocoResultsReader;
import jdetr.eval.GroundTruthSet;

/**
 * {@code jdetr bench eval}: COCO evaluation of generated detections ({@link SyntheticEvalSet}),
 * timed; optionally the same files through pycocotools for the ratio. Prints JSON lines.
 *
 * @param images images generated
 * @param dets detections per image
 * @param categories categories
 * @param seed generator seed
 * @param threads categories evaluated in parallel
 * @param repeat timed runs; the best is reported
 * @param out where gt.json and dt.json are kept, or null for a temp folder deleted afterwards
 * @param python a Python to time pycocotools with, or null
 * @param pycocotools the folder holding the pycocotools package, or null
 */
public record EvalBenchRun(int images, int dets, int categories, long seed, int threads, int repeat,
    Path out, String python, Path pycocotools) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Generates the files, evaluates them {@code repeat} times and prints the JSON lines. */
  public void run() throws IOException, InterruptedException {
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
        long c1 = ProcessCpu.totalNanos();
        CocoEvaluation e = new CocoEvaluator(gt, CocoParams.bbox(), threads).evaluate(results);
        stats = e.stats();
        long t2 = System.nanoTime();
        bestEvalCpu = Math.min(bestEvalCpu, (ProcessCpu.totalNanos() - c1) / 1e9);
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
      line.put("threads", threads);
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
    } finally {
      if (out == null) {
        deleteTree(dir);
      }
    }
  }

  private JsonNode runPycocotools(Path gtFile, Path dtFile) throws IOException, InterruptedException {
    Path script = Files.createTempFile("pycocotools_eval", ".py");
    try {
      try (InputStream in = EvalBenchRun.class.getResourceAsStream("/jdetr/bench/pycocotools_eval.py")) {
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

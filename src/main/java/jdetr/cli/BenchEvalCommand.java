package jdetr.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import jdetr.bench.EvalBenchRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jdetr bench eval}: the options of {@link EvalBenchRun} (5,000 images x 100 by default). */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Time COCO box evaluation on generated data (and pycocotools on the same files).")
final class BenchEvalCommand implements Callable<Integer> {
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
    new EvalBenchRun(images, dets, categories, seed, n, repeat, out, python, pycocotools).run();
    return 0;
  }
}

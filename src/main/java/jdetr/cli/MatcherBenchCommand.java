package jdetr.cli;

import java.nio.file.Path;
import jdetr.bench.MatcherBenchRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jdetr bench matcher}: the options of {@link MatcherBenchRun}. */
@Command(name = "matcher", mixinStandardHelpOptions = true,
    description = "Time the Hungarian matcher and the assignment solver (JSON lines).")
final class MatcherBenchCommand implements Runnable {

  @Option(names = "--queries", split = ",", defaultValue = "100,300",
      description = "Queries per image (100: DETR matcher, 300: Deformable DETR matcher).")
  int[] queries;

  @Option(names = "--batches", split = ",", defaultValue = "2,4,8,16,32,64",
      description = "Images per step.")
  int[] batches;

  @Option(names = "--targets", split = ",", defaultValue = "1,10,30,100",
      description = "Targets per image.")
  int[] targets;

  @Option(names = "--layers", defaultValue = "6", description = "Decoder layers matched per step.")
  int layers;

  @Option(names = "--threads", defaultValue = "0",
      description = "Threads for the parallel run (0: all cores).")
  int threads;

  @Option(names = "--min-seconds", defaultValue = "1.0",
      description = "Measure each shape for at least this long.")
  double minSeconds;

  @Option(names = "--warmup-seconds", defaultValue = "2.0",
      description = "Run each matcher this long before measuring, so the JIT has compiled it.")
  double warmupSeconds;

  @Option(names = "--reference",
      description = "JSON lines from bench_reference.py, to print ratios on the same shapes.")
  Path reference;

  @Override
  public void run() {
    int cores = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    new MatcherBenchRun(queries, batches, targets, layers, cores, minSeconds, warmupSeconds, reference).run();
  }
}

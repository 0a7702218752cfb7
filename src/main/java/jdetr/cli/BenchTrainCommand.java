package jdetr.cli;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;
import jdetr.bench.MatcherNodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jdetr bench train}: where a training step's time goes, per config and mode, as JSON lines
 * (one per step, one summary per mode, memory every N steps, and jdetr/reference ratios).
 *
 * <p>Modes: {@code sequential} (one thread; the batch prepared inline, the local matcher),
 * {@code pipelined} (data and matcher stages on the local event bus, as {@code train --pipeline}),
 * {@code cluster} (data stage in this JVM, matcher stages in {@code jdetr node --role matcher}
 * child JVMs on loopback). Pipeline efficiency = pure compute (forward, loss, backward,
 * optimizer) / wall step time.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Time the training step by stage (data wait, forward, matching, loss, backward,"
        + " optimizer, event bus) sequentially and pipelined; pipeline efficiency; memory over"
        + " long runs; ratio to the reference DETR step.")
final class BenchTrainCommand implements Callable<Integer> {

  @Option(names = "--configs", split = ",", defaultValue = "conf/shapes-demo.json,"
      + TrainBenchConfig.R50_512,
      description = "Recipe files, or '" + TrainBenchConfig.R50_512 + "' (DETR-R50, batch 2,"
          + " 512x512 synthetic images, random weights). Default: ${DEFAULT-VALUE}.")
  List<String> configs;

  @Option(names = "--modes", split = ",", defaultValue = "sequential,pipelined,cluster",
      description = "sequential, pipelined, cluster (default: ${DEFAULT-VALUE}).")
  List<String> modes;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Override a recipe value in every config (e.g. --set micro_batches=2).")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--steps", defaultValue = "10",
      description = "Measured steps per mode (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--warmup", defaultValue = "3",
      description = "Unmeasured steps first (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--memory-every", defaultValue = "0", paramLabel = "N",
      description = "Print a memory line (RSS, native, heap, live NDArrays) every N steps"
          + " (0: none).")
  int memoryEvery;

  @Option(names = "--threads", defaultValue = "0",
      description = "libtorch intra-op threads (default: available processors).")
  int threads;

  @Option(names = "--matcher-nodes", defaultValue = "2",
      description = "Matcher JVMs of the cluster mode (default: ${DEFAULT-VALUE}).")
  int matcherNodes;

  @Option(names = "--data", paramLabel = "DIR",
      description = "Where generated datasets are kept (default: <tmp>/jdetr-bench-train).")
  Path data;

  @Option(names = "--stages", defaultValue = "verticles",
      description = "Stage descriptors of the pipelined modes (default: ${DEFAULT-VALUE}; the copies in the jar when it is absent).")
  Path stages;

  @Option(names = "--cluster", defaultValue = "conf/cluster.xml",
      description = "Hazelcast configuration of the cluster mode (default: ${DEFAULT-VALUE}).")
  Path clusterXml;

  @Option(names = "--reference", paramLabel = "FILE",
      description = "JSON lines of reference_train_bench.py: print jdetr/reference ratios.")
  Path reference;

  @Option(names = "--reference-python", paramLabel = "CMD",
      description = "Run the reference step after each config with this Python"
          + " (e.g. /usr/bin/python3).")
  String python;

  @Option(names = "--reference-detr", paramLabel = "DIR",
      description = "facebookresearch/detr checkout.")
  Path detr;

  @Option(names = "--reference-cocoapi", paramLabel = "DIR",
      description = "pycocotools' PythonAPI folder, if not installed.")
  Path cocoapi;

  @Override
  public Integer call() throws Exception {
    for (String m : modes) {
      if (!List.of("sequential", "pipelined", "cluster").contains(m)) {
        System.err.println("jdetr bench train: unknown mode '" + m
            + "' (sequential, pipelined, cluster)");
        return 2;
      }
    }
    if (steps < 1 || warmup < 0 || memoryEvery < 0 || matcherNodes < 1) {
      System.err.println("jdetr bench train: --steps >= 1, --warmup >= 0, --memory-every >= 0,"
          + " --matcher-nodes >= 1");
      return 2;
    }
    if ((python == null) != (detr == null)) {
      System.err.println(
          "jdetr bench train: give --reference-python and --reference-detr together");
      return 2;
    }
    System.setProperty(MatcherNodes.NETTY_JFR, "false"); // before the first Vert.x instance
    Map<String, JsonNode> referenceLines = reference != null
        ? ReferenceTrainBench.read(reference) : Map.of();
    Path root = dataDir();
    Engine.getEngine("PyTorch");
    int intraOp = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    for (String item : configs) {
      TrainBenchConfig config;
      try {
        config = TrainBenchConfig.resolve(item, overrides, root);
      } catch (IllegalArgumentException | IOException e) {
        System.err.println("jdetr bench train: " + e.getMessage());
        return 2;
      }
      Map<String, ObjectNode> summaries = new LinkedHashMap<>();
      for (String mode : modes) {
        ObjectNode summary = new TrainBenchRun(config, mode, intraOp, warmup, steps, memoryEvery,
            this::pipeline).run();
        System.out.println(summary);
        summaries.put(mode, summary);
      }
      JsonNode ref = referenceLines.get(config.name());
      if (python != null && config.model().isDeformable()) {
        System.err.println("jdetr bench train: " + config.name() + ": no reference run,"
            + " reference_train_bench.py times DETR only");
      } else if (python != null) {
        ref = ReferenceTrainBench.run(python, detr, cocoapi, referenceArgs(config, summaries,
            intraOp));
      }
      if (ref != null) {
        for (Map.Entry<String, ObjectNode> e : summaries.entrySet()) {
          System.out.println(
              TrainBenchReport.ratio(config.name(), e.getKey(), e.getValue(), ref));
        }
      }
    }
    return 0;
  }

  /** The reference run of a config, on the input size the first mode measured. */
  private List<String> referenceArgs(TrainBenchConfig config, Map<String, ObjectNode> summaries,
      int intraOp) {
    ObjectNode first = summaries.values().iterator().next();
    return ReferenceTrainBench.args(config.name(), config.train(), config.model(), intraOp, warmup,
        steps, Math.round(first.path("mean_height").asDouble()),
        Math.round(first.path("mean_width").asDouble()),
        first.path("mean_targets_per_image").asDouble());
  }

  /** The stages of a pipelined mode. */
  private BenchPipeline pipeline(TrainBenchConfig config, String mode) throws Exception {
    if (mode.equals("pipelined")) {
      return BenchPipeline.local(stages, config.train());
    }
    return BenchPipeline.cluster(stages, config.train(), clusterXml, matcherNodes,
        dataDir().resolve("logs"));
  }

  private Path dataDir() {
    return data != null ? data : Path.of(System.getProperty("java.io.tmpdir"), "jdetr-bench-train");
  }

  /** CPU time of this process in nanoseconds (every thread). */
  static final LongSupplier PROCESS_CPU_NS = () ->
      ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
          .getProcessCpuTime();

  /** The 1, 5 and 15 minute load averages of the machine ({@code /proc/loadavg}). */
  static double[] loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]),
          Double.parseDouble(f[2])};
    } catch (IOException | RuntimeException e) {
      return new double[] {ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()};
    }
  }
}

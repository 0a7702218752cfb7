package jdetr.bench;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * {@code jdetr bench train}: where a training step's time goes, per config and mode, as JSON lines
 * (one per step, one summary per mode, memory every N steps, and jdetr/reference ratios).
 *
 * <p>Modes: {@code sequential} (one thread; the batch prepared inline, the local matcher),
 * {@code pipelined} (data and matcher stages on the local event bus, as {@code train --pipeline}),
 * {@code cluster} (data stage in this JVM, matcher stages in {@code jdetr node --role matcher}
 * child JVMs on loopback). Pipeline efficiency = pure compute (forward, loss, backward,
 * optimizer) / wall step time.
 *
 * @param configs recipe files, or {@link #R50_512}
 * @param modes sequential, pipelined, cluster
 * @param overrides recipe overrides applied to every config
 * @param steps measured steps per mode
 * @param warmup unmeasured steps first
 * @param memoryEvery a memory line every N steps (0: none)
 * @param threads libtorch intra-op threads (0: available processors)
 * @param matcherNodes matcher JVMs of the cluster mode
 * @param data where generated datasets are kept (null: under the temporary directory)
 * @param stages stage descriptors of the pipelined modes
 * @param clusterXml Hazelcast configuration of the cluster mode
 * @param reference JSON lines of the reference bench to compare with, or null
 * @param python Python that runs the reference step after each config, or null
 * @param detr the reference checkout, with {@code python}
 * @param cocoapi pycocotools' PythonAPI folder, or null
 */
public record TrainBench(List<String> configs, List<String> modes, List<String> overrides,
    int steps, int warmup, int memoryEvery, int threads, int matcherNodes, Path data, Path stages,
    Path clusterXml, Path reference, String python, Path detr, Path cocoapi) {

  /** DETR-R50 (reference defaults, 91 classes), batch 2, 512x512 synthetic images. */
  public static final String R50_512 = "detr-r50-512";

  /** Runs every config in every mode; returns the exit code (2 for bad options). */
  public int run() throws Exception {
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

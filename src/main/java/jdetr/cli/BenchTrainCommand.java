package jdetr.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import jdetr.bench.TrainBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jdetr bench train}: the options of {@link TrainBench}, which runs the benchmark. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Time the training step by stage (data wait, forward, matching, loss, backward,"
        + " optimizer, event bus) sequentially and pipelined; pipeline efficiency; memory over"
        + " long runs; ratio to the reference DETR step.")
final class BenchTrainCommand implements Callable<Integer> {

  @Option(names = "--configs", split = ",", defaultValue = "conf/shapes-demo.json,"
      + TrainBench.R50_512,
      description = "Recipe files, or '" + TrainBench.R50_512 + "' (DETR-R50, batch 2,"
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
    return new TrainBench(configs, modes, overrides, steps, warmup, memoryEvery, threads,
        matcherNodes, data, stages, clusterXml, reference, python, detr, cocoapi).run();
  }
}

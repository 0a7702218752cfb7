package jdetr.bench;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import jdetr.bus.CreditedRequester;
import jdetr.engine.IntraOpThreads;
import jdetr.engine.TorchWork;
import jdetr.engine.TrainStep;
import jdetr.train.BatchSource;
import jdetr.train.TrainOneEpoch;
import jdetr.train.TrainAssembly;
import jdetr.train.TrainData;

/**
 * One mode of one config: the run's parts built by {@link TrainAssembly} as {@code train} builds
 * them, on a dedicated platform thread that owns the model; {@code warmup + steps} steps through
 * the trainer's epoch loop ({@link TrainOneEpoch}; the learning rate stays constant); a JSON line
 * per step, memory lines, and the summary.
 */
final class TrainBenchRun {

  /** Builds the stages of a pipelined mode. */
  @FunctionalInterface
  interface Stages {
    BenchPipeline start(TrainBenchConfig config, String mode) throws Exception;
  }

  private final TrainBenchConfig config;
  private final String mode;
  private final int threads;
  private final int warmup;
  private final int steps;
  private final int memoryEvery;
  private final Stages stages;

  TrainBenchRun(TrainBenchConfig config, String mode, int threads, int warmup, int steps,
      int memoryEvery, Stages stages) {
    this.config = config;
    this.mode = mode;
    this.threads = threads;
    this.warmup = warmup;
    this.steps = steps;
    this.memoryEvery = memoryEvery;
    this.stages = stages;
  }

  /** Runs the mode; returns its summary line (the step and memory lines are printed). */
  ObjectNode run() throws Exception {
    double[] loadBefore = TrainBench.loadAverage();
    boolean sequential = mode.equals("sequential");
    TrainBenchReport report = new TrainBenchReport(config.name(), mode, !sequential);
    List<ObjectNode> memory = new ArrayList<>();
    AtomicLong childCpuAtStart = new AtomicLong();
    int[] torchThreads = new int[1];
    try (BenchPipeline pipeline = sequential ? null : stages.start(config, mode)) {
      TrainData data = config.data();
      BatchSource batches = sequential
          ? (e, s) -> CompletableFuture.completedFuture(data.batch(e, s))
          : pipeline.batches();
      if (warmup == 0 && pipeline != null) {
        childCpuAtStart.set(pipeline.childCpuNs());
      }
      onOwnThread(() -> {
        IntraOpThreads.use(threads);
        torchThreads[0] = IntraOpThreads.onThisThread();
        // the JVM's exit (Ctrl-C, SIGTERM) waits for the running step, then the bench stops
        try (TorchWork.Scope work = TorchWork.enter("benchmark");
            NDManager manager = NDManager.newBaseManager("PyTorch")) {
          TrainAssembly run = TrainAssembly.build(config.train(), config.model(), manager,
              System.err);
          TrainStep trainStep = run.trainStep(
              sequential ? run.localMatching() : pipeline.matching(run.matcher()));
          TrainOneEpoch epochs = new TrainOneEpoch(trainStep, batches, config.train().seed(),
              TrainBench.PROCESS_CPU_NS);
          TrainOneEpoch.Listener listener = t -> {
            System.out.println(report.step(t, t.step() < warmup));
            if (t.step() == warmup - 1 && pipeline != null) {
              childCpuAtStart.set(pipeline.childCpuNs());
            }
            if (memoryEvery > 0 && (t.step() + 1) % memoryEvery == 0) {
              ObjectNode m = memoryLine(report, t.step() + 1, manager);
              memory.add(m);
              System.out.println(m);
            }
          };
          long total = warmup + steps;
          long step = 0;
          for (int epoch = 0; step < total && !work.stopRequested(); epoch++) {
            int end = (int) Math.min(data.stepsPerEpoch(), total - step);
            step = epochs.run(epoch, 0, end, step, work::stopRequested, listener);
          }
          trainStep.optimizer().close();
        }
      });
      ObjectNode summary = report.summary();
      summary.put("warmup", warmup).put("threads", torchThreads[0])
          .put("batch", config.train().batchSize())
          .put("micro_batches", config.train().microBatching().parts())
          .put("micro_batch_threads", config.train().microBatching().threads());
      if (pipeline != null) {
        CreditedRequester.Stats s = pipeline.matchStats();
        summary.put("matcher_nodes", pipeline.matcherNodes())
            .put("match_requests", s.requests()).put("match_retries", s.retries())
            .put("match_fallbacks", s.fallbacks());
        if (pipeline.matcherNodes() > 0) {
          summary.put("matcher_nodes_cpu_ms_per_step", TrainBenchReport.ms(
              (double) (pipeline.childCpuNs() - childCpuAtStart.get()) / steps));
        }
      }
      ProcessMemory end = ProcessMemory.now();
      summary.put("rss_mb", TrainBenchReport.round(end.rssMb(), 1))
          .put("peak_rss_mb", TrainBenchReport.round(end.peakRssMb(), 1));
      if (memory.size() >= 2) {
        ObjectNode first = memory.get(0);
        ObjectNode last = memory.get(memory.size() - 1);
        double span = last.get("step").asDouble() - first.get("step").asDouble();
        summary.put("rss_growth_mb_per_1000_steps", TrainBenchReport.round(
            (last.get("rss_mb").asDouble() - first.get("rss_mb").asDouble()) / span * 1000, 1));
        summary.put("live_ndarrays_first", first.get("live_ndarrays").asInt())
            .put("live_ndarrays_last", last.get("live_ndarrays").asInt());
      }
      ArrayNode load = summary.putArray("load_avg_before");
      for (double v : loadBefore) {
        load.add(v);
      }
      load = summary.putArray("load_avg_after");
      for (double v : TrainBench.loadAverage()) {
        load.add(v);
      }
      return summary;
    }
  }

  private ObjectNode memoryLine(TrainBenchReport report, long step, NDManager manager) {
    ProcessMemory m = ProcessMemory.now();
    ObjectNode n = report.base().put("what", "memory").put("step", step);
    n.put("rss_mb", TrainBenchReport.round(m.rssMb(), 1))
        .put("native_mb", TrainBenchReport.round(m.nativeMb(), 1))
        .put("heap_used_mb", TrainBenchReport.round(m.heapUsedMb(), 1))
        .put("heap_committed_mb", TrainBenchReport.round(m.heapCommittedMb(), 1))
        .put("nonheap_committed_mb", TrainBenchReport.round(m.nonHeapCommittedMb(), 1))
        .put("direct_mb", TrainBenchReport.round(m.directMb(), 1))
        .put("live_ndarrays", manager.getManagedArrays().size());
    return n;
  }

  /** What runs on the model's owner thread. */
  @FunctionalInterface
  private interface Body {
    void run() throws Exception;
  }

  /** Runs {@code body} on a new platform thread (the model's owner) and waits for it. */
  private static void onOwnThread(Body body) throws Exception {
    Throwable[] failure = new Throwable[1];
    Thread t = new Thread(() -> {
      try {
        body.run();
      } catch (Throwable e) {
        failure[0] = e;
      }
    }, "jdetr-trainer");
    t.start();
    t.join();
    if (failure[0] instanceof Exception e) {
      throw e;
    }
    if (failure[0] instanceof Error e) {
      throw e;
    }
  }
}

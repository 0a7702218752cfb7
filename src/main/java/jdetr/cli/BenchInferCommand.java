package jdetr.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import jdetr.engine.IntraOpThreads;
import jdetr.engine.TorchWork;
import jdetr.model.DetectionTransformer;
import jdetr.model.Detr;
import jdetr.model.DetrConfig;
import jdetr.model.DetrOutput;
import jdetr.model.NoGrad;
import jdetr.model.deformable.DeformableDetr;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Inference speed of DETR or Deformable DETR (default R50, random weights) on the CPU: one JSON line per timed
 * forward pass and a summary line with the median ms per image, the threads and the peak RSS.
 */
@Command(name = "infer", mixinStandardHelpOptions = true,
    description = "Time DETR or Deformable DETR inference (random weights) on one image size.")
final class BenchInferCommand implements Runnable {

  @Option(names = "--height", defaultValue = "800", description = "image height (default 800)")
  int height;

  @Option(names = "--width", defaultValue = "1066", description = "image width (default 1066)")
  int width;

  @Option(names = "--batch", defaultValue = "1", description = "images per forward (default 1)")
  int batch;

  @Option(names = "--threads", defaultValue = "0",
      description = "libtorch intra-op threads (default: available processors)")
  int threads;

  @Option(names = "--warmup", defaultValue = "2", description = "untimed passes (default 2)")
  int warmup;

  @Option(names = "--iterations", defaultValue = "5", description = "timed passes (default 5)")
  int iterations;

  @Option(names = "--backbone", defaultValue = "resnet50", description = "resnet18/34/50/101")
  String backbone;

  @Option(names = "--dilation", description = "DC5 backbone")
  boolean dilation;

  @Option(names = "--architecture", defaultValue = "detr",
      description = "detr or deformable_detr (its reference defaults) (default detr)")
  String architecture;

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public void run() {
    int intraOp = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    IntraOpThreads.use(intraOp);
    DetrConfig config = DetrConfig.builder(DetrConfig.Architecture.parse(architecture))
        .backbone(backbone).dilation(dilation).build();
    double[] msPerImage = new double[iterations];
    double[] cpuMsPerImage = new double[iterations];
    // the JVM's exit (Ctrl-C, SIGTERM) waits for the running forward pass, then the bench stops
    try (TorchWork.Scope work = TorchWork.enter("benchmark");
        NDManager model = NDManager.newBaseManager("PyTorch");
        NoGrad g = NoGrad.enter()) {
      Engine.getInstance().setRandomSeed(0);
      long t0 = System.nanoTime();
      DetectionTransformer detr = DetectionTransformer.create(config, model);
      double buildMs = (System.nanoTime() - t0) / 1e6;
      for (int i = -warmup; i < iterations && !work.stopRequested(); i++) {
        try (NDManager step = model.newSubManager()) {
          NDArray images = step.randomNormal(new Shape(batch, 3, height, width));
          NDArray mask = step.zeros(new Shape(batch, height, width), DataType.BOOLEAN);
          long cpuStart = processCpuNanos();
          long start = System.nanoTime();
          DetrOutput out;
          long backboneEnd;
          if (detr instanceof Detr d) {
            var features = d.backbone().forward(images, mask);
            features.last().features().getFloat(0, 0, 0, 0); // synchronize (a no-op on the CPU)
            backboneEnd = System.nanoTime();
            out = d.forward(features, false);
          } else {
            DeformableDetr d = (DeformableDetr) detr;
            var features = d.multiScaleFeatures(images, mask, false); // with the input projections
            features.srcs().get(0).getFloat(0, 0, 0, 0);
            backboneEnd = System.nanoTime();
            out = d.forward(features, false);
          }
          out.predBoxes().toFloatArray(); // wait for the result on the host
          long end = System.nanoTime();
          double ms = (end - start) / 1e6 / batch;
          double cpuMs = (processCpuNanos() - cpuStart) / 1e6 / batch;
          if (i >= 0) {
            msPerImage[i] = ms;
            cpuMsPerImage[i] = cpuMs;
            ObjectNode line = base(config, intraOp);
            line.put("iteration", i).put("ms_per_image", round(ms))
                .put("cpu_ms_per_image", round(cpuMs))
                .put("backbone_ms", round((backboneEnd - start) / 1e6 / batch))
                .put("transformer_and_heads_ms", round((end - backboneEnd) / 1e6 / batch));
            System.out.println(line);
          }
        }
      }
      if (work.stopRequested()) {
        return; // no summary of a partial run
      }
      double[] sorted = msPerImage.clone();
      Arrays.sort(sorted);
      ObjectNode summary = base(config, intraOp);
      summary.put("summary", true).put("iterations", iterations).put("warmup", warmup)
          .put("ms_per_image_median", round(sorted[sorted.length / 2]))
          .put("ms_per_image_min", round(sorted[0]))
          .put("ms_per_image_mean", round(Arrays.stream(sorted).average().orElse(0)))
          .put("cpu_ms_per_image_median", round(median(cpuMsPerImage)))
          .put("build_ms", round(buildMs))
          .put("interop_threads", JniUtils.getNumInteropThreads())
          .put("libtorch", Engine.getInstance().getVersion());
      long peak = peakRssKb();
      if (peak >= 0) {
        summary.put("peak_rss_mb", round(peak / 1024.0));
      }
      System.out.println(summary);
    }
  }

  private ObjectNode base(DetrConfig config, int intraOp) {
    ObjectNode n = JSON.createObjectNode();
    n.put("bench", "infer").put("impl", "jdetr")
        .put("model", (config.isDeformable() ? "deformable-detr-" : "detr-")
            + config.backbone().replace("resnet", "r") + (dilation ? "-dc5" : ""))
        .put("height", height).put("width", width).put("batch", batch)
        .put("threads", IntraOpThreads.onThisThread()).put("requested_threads", intraOp);
    return n;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  /** CPU time of the whole process (all threads), in ns. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }

  /** VmHWM of this process from /proc (Linux), in kB; -1 elsewhere. */
  static long peakRssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException ex) {
      return -1;
    }
    return -1;
  }
}

package jdetr.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import jdetr.engine.DeviceSpec;
import jdetr.engine.EngineInfo;
import jdetr.engine.IntraOpThreads;
import jdetr.engine.Precision;
import jdetr.engine.TorchWork;
import jdetr.model.DetectionTransformer;
import jdetr.model.Detr;
import jdetr.model.DetrConfig;
import jdetr.model.DetrOutput;
import jdetr.model.InferenceCast;
import jdetr.model.ModelBuilder;
import jdetr.model.NoGrad;
import jdetr.model.deformable.DeformableDetr;
import jdetr.model.deformable.MsDeformAttnCore;
import jdetr.model.segmentation.DETRsegm;

/**
 * Inference speed of DETR (with masks: DETRsegm) or Deformable DETR (random weights) on a device, in a precision: one
 * JSON line per timed forward pass and a summary line with the median ms per image, the threads
 * and the peak RSS. Every line names the device, the precision and the kernels that ran
 * ({@link EngineInfo#kernels}; for Deformable DETR also the sampler its attention ran:
 * {@code java-direct} or {@code gather}).
 *
 * @param config the model (its reference defaults, the backbone and dilation chosen)
 * @param height image height
 * @param width image width
 * @param batch images per forward
 * @param threads libtorch intra-op threads
 * @param warmup untimed passes
 * @param iterations timed passes
 * @param device where the model and the images live
 * @param precision fp32, or bf16 ({@link InferenceCast}: DETR's backbone and transformer,
 *     Deformable DETR's backbone)
 */
public record InferBenchRun(DetrConfig config, int height, int width, int batch, int threads, int warmup,
    int iterations, DeviceSpec device, Precision precision) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Builds the model, times the passes and prints the JSON lines (no summary when stopped). */
  public void run() {
    IntraOpThreads.use(threads);
    double[] msPerImage = new double[iterations];
    double[] cpuMsPerImage = new double[iterations];
    // the JVM's exit (Ctrl-C, SIGTERM) waits for the running forward pass, then the bench stops
    try (TorchWork.Scope work = TorchWork.enter("benchmark");
        NDManager model = device.newManager();
        NoGrad g = NoGrad.enter()) {
      Engine.getInstance().setRandomSeed(0);
      long t0 = System.nanoTime();
      DetectionTransformer detr = ModelBuilder.build(config, model);
      InferenceCast.apply(detr, precision.dataType());
      double buildMs = (System.nanoTime() - t0) / 1e6;
      for (int i = -warmup; i < iterations && !work.stopRequested(); i++) {
        try (NDManager step = model.newSubManager()) {
          NDArray images = step.randomNormal(new Shape(batch, 3, height, width));
          NDArray mask = step.zeros(new Shape(batch, height, width), DataType.BOOLEAN);
          long cpuStart = ProcessCpu.totalNanos();
          long start = System.nanoTime();
          DetrOutput out;
          long backboneEnd;
          if (detr instanceof DETRsegm d) {
            var features = d.backbone().forward(images, mask);
            features.last().features().getFloat(0, 0, 0, 0);
            backboneEnd = System.nanoTime();
            out = d.forward(features, false, null);
            out.predMasks().getFloat(0, 0, 0, 0); // the mask head ran
          } else if (detr instanceof Detr d) {
            var features = d.backbone().forward(d.castInput(images), mask);
            features.last().features().get(0, 0, 0, 0).toType(DataType.FLOAT32, false)
                .getFloat(); // synchronize (a no-op on the CPU)
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
          double cpuMs = (ProcessCpu.totalNanos() - cpuStart) / 1e6 / batch;
          if (i >= 0) {
            msPerImage[i] = ms;
            cpuMsPerImage[i] = cpuMs;
            ObjectNode line = base();
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
      ObjectNode summary = base();
      summary.put("summary", true).put("iterations", iterations).put("warmup", warmup)
          .put("ms_per_image_median", round(sorted[sorted.length / 2]))
          .put("ms_per_image_min", round(sorted[0]))
          .put("ms_per_image_mean", round(Arrays.stream(sorted).average().orElse(0)))
          .put("cpu_ms_per_image_median", round(median(cpuMsPerImage)))
          .put("build_ms", round(buildMs))
          .put("interop_threads", JniUtils.getNumInteropThreads())
          .put("libtorch", Engine.getInstance().getVersion());
      double peakMb = ProcessMemory.now().peakRssMb();
      if (peakMb >= 0) {
        summary.put("peak_rss_mb", round(peakMb));
      }
      System.out.println(summary);
    }
  }

  private ObjectNode base() {
    ObjectNode n = JSON.createObjectNode();
    n.put("bench", "infer").put("impl", "jdetr")
        .put("model", (config.isDeformable() ? "deformable-detr-" : "detr-")
            + config.backbone().replace("resnet", "r") + (config.dilation() ? "-dc5" : "")
            + (config.masks() ? "-segm" : ""))
        .put("height", height).put("width", width).put("batch", batch)
        .put("threads", IntraOpThreads.onThisThread()).put("requested_threads", threads)
        .put("device", device.toString()).put("precision", precision.toString())
        .put("kernels", EngineInfo.loaded().kernels(device, precision));
    if (config.isDeformable()) { // its transformer and sampler run float32 in either precision
      n.put("sampler", MsDeformAttnCore.inferenceSampler(DataType.FLOAT32, device.djl()));
    }
    return n;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }
}

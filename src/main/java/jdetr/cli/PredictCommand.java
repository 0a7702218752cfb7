package jdetr.cli;

import ai.djl.ndarray.NDManager;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import jdetr.checkpoint.DetrWeights;
import jdetr.data.ImageDecoder;
import jdetr.data.ImageLimits;
import jdetr.data.RgbImage;
import jdetr.data.transforms.AugmentationConfig;
import jdetr.data.transforms.ValTransform;
import jdetr.engine.DeviceSpec;
import jdetr.engine.Precision;
import jdetr.engine.TorchWork;
import jdetr.eval.Detection;
import jdetr.eval.DetectionPainter;
import jdetr.eval.DetrPredictor;
import jdetr.io.AtomicFiles;
import jdetr.model.DetrConfig;
import jdetr.model.InferenceCast;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `jdetr predict`: detections in one image, from an official .pth, jdetr or transformers weights. */
@Command(name = "predict", mixinStandardHelpOptions = true, description = "Detect objects in an image with DETR weights (official .pth, jdetr or transformers weights directory).")
final class PredictCommand implements Callable<Integer> {

  @Option(names = "--weights", required = true,
      description = "official DETR checkpoint (.pth), a jdetr weights directory (model.safetensors +"
          + " model.json) or a Hugging Face transformers directory (config.json + model.safetensors)")
  Path weights;

  @Option(names = "--image", required = true, description = "JPEG or PNG image")
  Path image;

  @Option(names = "--threshold", defaultValue = "0.7", description = "lowest score printed and drawn (default ${DEFAULT-VALUE})")
  float threshold;

  @Option(names = "--out", description = "write the image with the detections drawn (PNG); with"
      + " --panoptic, the folder of the results (<image id>.png, predictions.json, drawn.png)")
  Path out;

  @Option(names = "--raw-out", description = "write pred_logits/pred_boxes of every decoder layer and the input size as JSON")
  Path rawOut;

  @Option(names = "--size", description = "short side of the resized input (default: the size a jdetr"
      + " training checkpoint's run evaluated at, else 800, the reference's)")
  Integer size;

  @Option(names = "--max-size", description = "longest side of the resized input (default: the"
      + " training checkpoint's, else 1333)")
  Integer maxSize;

  @Option(names = "--dc5", description = ".pth only: the checkpoint is a DC5 model (dilated last stage)")
  boolean dc5;

  @Option(names = "--nheads", defaultValue = "8", description = ".pth only: attention heads (default ${DEFAULT-VALUE})")
  int nheads;

  @Option(names = "--panoptic", description = "panoptic segmentation with DETRsegm weights (the"
      + " reference's PostProcessPanoptic), written in the COCO panoptic results format to --out")
  boolean panoptic;

  @Option(names = "--categories", description = "with --panoptic: a COCO panoptic JSON whose"
      + " categories (isthing, name) tell things from stuff; needed unless the weights have COCO"
      + " panoptic's 250 classes")
  Path categories;

  @Option(names = "--panoptic-threshold", defaultValue = "0.85", description = "with --panoptic:"
      + " lowest class probability of a kept query (default ${DEFAULT-VALUE}, the reference's)")
  float panopticThreshold;

  @Mixin
  InferenceOptions inference = new InferenceOptions();

  @Override
  public Integer call() throws IOException {
    DeviceSpec device = inference.device();
    Precision precision = inference.precision();
    RgbImage rgb = new ImageDecoder(ImageLimits.DEFAULT).decode(image);
    ValTransform val = new ValTransform(inputSize());
    DetrConfig pthBase = DetrConfig.defaults().toBuilder().dilation(dc5).nheads(nheads).build();
    if (panoptic || categories != null) {
      if (!panoptic || out == null || rawOut != null) {
        System.err.println("jdetr predict: --panoptic needs --out DIR and takes --categories,"
            + " not --raw-out");
        return 2;
      }
      if (device.isCuda() || precision != Precision.FP32) {
        System.err.println("jdetr predict: --panoptic runs on the CPU in fp32 (no --device or --precision)");
        return 2;
      }
      return new PanopticPrediction(weights, image, rgb, val, pthBase, categories,
          panopticThreshold, out).run();
    }
    // the JVM's exit waits for the forward pass to leave libtorch (it cannot stop mid-image)
    try (TorchWork.Scope work = TorchWork.enter("prediction");
        NDManager manager = device.newManager()) {
      DetrWeights.Loaded loaded = DetrWeights.load(weights, pthBase, manager);
      try {
        InferenceCast.apply(loaded.detr(), precision.dataType());
      } catch (IllegalArgumentException e) {
        System.err.println("jdetr predict: " + e.getMessage());
        return 2;
      }
      DetrPredictor predictor = new DetrPredictor(loaded.detr(), loaded.categories(), val);
      DetrPredictor.Prediction p = predictor.predict(List.of(rgb));
      List<Detection> kept = p.detections().get(0).stream()
          .filter(d -> d.score() >= threshold)
          .sorted((a, b) -> Float.compare(b.score(), a.score()))
          .toList();
      for (Detection d : kept) {
        System.out.printf(Locale.ROOT, "%-16s %.3f  [%.1f, %.1f, %.1f, %.1f]%n",
            predictor.name(d.label()), d.score(), d.x0(), d.y0(), d.x1(), d.y1());
      }
      System.out.printf(Locale.ROOT, "%d detections with score >= %.2f (input %dx%d)%n",
          kept.size(), threshold, p.raw().inputWidths()[0], p.raw().inputHeights()[0]);
      if (out != null) {
        BufferedImage drawn = DetectionPainter.paint(DetectionPainter.image(rgb), kept, predictor::name);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(drawn, "png", png);
        AtomicFiles.writeBytes(out, png.toByteArray());
      }
      if (rawOut != null) {
        AtomicFiles.writeBytes(rawOut, p.raw().toJson());
      }
    }
    return 0;
  }

  /**
   * The val resize: {@code --size}/{@code --max-size} where given, else what a jdetr training
   * checkpoint's run evaluated at (its recipe's {@code val_size}/{@code max_size}), else the
   * reference's 800/1333.
   */
  private AugmentationConfig inputSize() throws IOException {
    Optional<DetrWeights.ValSize> trained = DetrWeights.valSize(weights);
    int shortSide = size != null ? size
        : trained.map(DetrWeights.ValSize::size).orElse(AugmentationConfig.DETR.valSize());
    int longSide = maxSize != null ? maxSize
        : trained.map(DetrWeights.ValSize::maxSize).orElse(AugmentationConfig.DETR.maxSize());
    return AugmentationConfig.detrVal(shortSide, longSide);
  }
}

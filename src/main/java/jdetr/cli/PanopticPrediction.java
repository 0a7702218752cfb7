package jdetr.cli;

import ai.djl.ndarray.NDManager;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import jdetr.checkpoint.DetrWeights;
import jdetr.data.PanopticAnnotationFile;
import jdetr.data.RgbImage;
import jdetr.data.transforms.ValTransform;
import jdetr.engine.TorchWork;
import jdetr.eval.DetectionPainter;
import jdetr.eval.panoptic.PanopticPainter;
import jdetr.eval.panoptic.PanopticPredictionsWriter;
import jdetr.eval.panoptic.PanopticPredictor;
import jdetr.eval.panoptic.PostProcessPanoptic;
import jdetr.eval.panoptic.PostProcessPanoptic.Prediction;
import jdetr.eval.panoptic.PostProcessPanoptic.Segment;
import jdetr.io.AtomicFiles;
import jdetr.model.DetrConfig;

/**
 * {@code jdetr predict --panoptic}: one image through DETRsegm and the panoptic post-processing,
 * written as COCO panoptic results ({@code <image id>.png} + {@code predictions.json}) and drawn
 * ({@code drawn.png}) in the output folder.
 *
 * @param categories a COCO panoptic JSON whose categories give {@code isthing} (and names), or null
 */
record PanopticPrediction(Path weights, Path image, RgbImage rgb, ValTransform val,
    DetrConfig pthBase, Path categories, float threshold, Path out) {
  /** The drawing's name inside the output folder. */
  static final String DRAWN = "drawn.png";

  int run() throws IOException {
    List<PanopticAnnotationFile.Category> cats = categories == null ? List.of()
        : PanopticAnnotationFile.read(categories, true).categories();
    try (TorchWork.Scope work = TorchWork.enter("prediction");
        NDManager manager = NDManager.newBaseManager("PyTorch")) {
      DetrWeights.Loaded loaded = DetrWeights.load(weights, pthBase, manager);
      int numClasses = loaded.detr().config().numClasses();
      Map<Integer, Boolean> isThing;
      try {
        isThing = PanopticPredictor.isThingMap(numClasses, cats);
      } catch (IllegalArgumentException e) {
        System.err.println("jdetr predict: " + weights + ": " + e.getMessage()
            + (categories == null ? " (--categories panoptic.json)" : " in " + categories));
        return 2;
      }
      if (!loaded.detr().config().masks()) {
        System.err.println("jdetr predict: " + weights + " has no mask head (bbox_attention.*,"
            + " mask_head.*): --panoptic needs DETRsegm weights");
        return 2;
      }
      PanopticPredictor predictor = new PanopticPredictor(loaded.detr(), val,
          new PostProcessPanoptic(isThing, threshold));
      Prediction p = predictor.predict(List.of(rgb)).get(0);
      SortedMap<Integer, String> names = new TreeMap<>(loaded.categories());
      cats.stream().filter(c -> c.name() != null).forEach(c -> names.put(c.id(), c.name()));
      long imageId = imageId(image);
      PanopticPredictionsWriter writer = new PanopticPredictionsWriter(out);
      writer.add(imageId, p);
      Path json = writer.finish();
      BufferedImage drawn = PanopticPainter.paint(DetectionPainter.image(rgb), p.png(),
          p.segmentsInfo(), c -> names.getOrDefault(c, "class " + c));
      ByteArrayOutputStream png = new ByteArrayOutputStream();
      ImageIO.write(drawn, "png", png);
      AtomicFiles.writeBytes(out.resolve(DRAWN), png.toByteArray());
      for (Segment s : p.segmentsInfo()) {
        System.out.printf(Locale.ROOT, "segment %-3d %-16s %-5s %8d px%n", s.id(),
            names.getOrDefault(s.categoryId(), "class " + s.categoryId()),
            s.isThing() ? "thing" : "stuff", s.area());
      }
      System.out.printf(Locale.ROOT, "%d segments (threshold %.2f, %d classes); %s, %s and %s%n",
          p.segmentsInfo().size(), threshold, numClasses, json,
          out.resolve(String.format("%012d.png", imageId)), out.resolve(DRAWN));
      return 0;
    }
  }

  /** The image id: the file name's digits when it is a COCO name (000000000139.jpg), else 1. */
  static long imageId(Path image) {
    String name = image.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String stem = dot > 0 ? name.substring(0, dot) : name;
    return stem.matches("[0-9]{1,15}") ? Long.parseLong(stem) : 1;
  }
}

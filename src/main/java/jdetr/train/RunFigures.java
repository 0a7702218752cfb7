package jdetr.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;
import javax.imageio.ImageIO;
import jdetr.data.CocoDataset;
import jdetr.data.ImageDecoder;
import jdetr.data.ImageLimits;
import jdetr.data.RgbImage;
import jdetr.data.transforms.ValTransform;
import jdetr.eval.DetectionPainter;
import jdetr.eval.Detection;
import jdetr.eval.DetrPredictor;
import jdetr.model.DetectionTransformer;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * The pictures of a run: {@code plots/loss.png} (train loss terms per epoch) and
 * {@code plots/ap.png} (val AP and AP50 per epoch) from {@code log.jsonl}, and
 * {@code predictions/<image id>.png}, a few val images with the model's detections drawn.
 */
public final class RunFigures {
  /**
   * The score from which {@code predictions/} draws a detection; the val evaluation reports the
   * precision and recall of the detections at or above it (the run log's {@code test_precision},
   * {@code test_recall}).
   */
  public static final double PICTURE_SCORE = 0.5;

  private static final ObjectMapper JSON = new ObjectMapper();

  private RunFigures() {}

  /** Draws both plots from the lines of {@code log.jsonl}. */
  public static void plots(Path log, Path dir) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String l : Files.readAllLines(log)) {
      if (!l.isBlank()) {
        lines.add(JSON.readTree(l));
      }
    }
    if (lines.isEmpty()) {
      return;
    }
    Files.createDirectories(dir);
    XYChart loss = new XYChartBuilder().width(800).height(500).title("train loss")
        .xAxisTitle("epoch").yAxisTitle("loss").build();
    for (String key : List.of("train_loss", "train_loss_ce", "train_loss_bbox", "train_loss_giou")) {
      series(loss, key, lines, n -> n.path(key).asDouble(Double.NaN));
    }
    BitmapEncoder.saveBitmap(loss, dir.resolve("loss.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    XYChart ap = new XYChartBuilder().width(800).height(500).title("val COCO box AP")
        .xAxisTitle("epoch").yAxisTitle("AP").build();
    series(ap, "AP", lines, n -> n.path("test_coco_eval_bbox").path(0).asDouble(Double.NaN));
    series(ap, "AP50", lines, n -> n.path("test_coco_eval_bbox").path(1).asDouble(Double.NaN));
    BitmapEncoder.saveBitmap(ap, dir.resolve("ap.png").toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  private static void series(XYChart chart, String name, List<JsonNode> lines,
      java.util.function.ToDoubleFunction<JsonNode> value) {
    List<Double> x = new ArrayList<>();
    List<Double> y = new ArrayList<>();
    for (JsonNode n : lines) {
      double v = value.applyAsDouble(n);
      if (Double.isFinite(v)) {
        x.add(n.path("epoch").asDouble());
        y.add(v);
      }
    }
    if (!x.isEmpty()) {
      chart.addSeries(name, x, y);
    }
  }

  /** Small images are drawn enlarged by a whole factor until their longer side reaches this. */
  private static final int MIN_DRAWN_SIDE = 384;

  /**
   * Draws the detections of the first {@code count} val images: those scoring at least
   * {@code threshold}, or the best three when none does.
   */
  public static void predictions(DetectionTransformer detr, SortedMap<Integer, String> categories,
      ValTransform transform, CocoDataset val, int count, double threshold, Path dir)
      throws IOException {
    Files.createDirectories(dir);
    DetrPredictor predictor = new DetrPredictor(detr, categories, transform);
    ImageDecoder decoder = new ImageDecoder(ImageLimits.DEFAULT);
    for (int i = 0; i < Math.min(count, val.size()); i++) {
      RgbImage rgb = decoder.decode(val.imageFile(i));
      List<Detection> all = new ArrayList<>(predictor.predict(List.of(rgb)).detections().get(0));
      all.sort(Comparator.comparingDouble(Detection::score).reversed());
      List<Detection> kept = all.stream().filter(d -> d.score() >= threshold).toList();
      if (kept.isEmpty()) {
        kept = all.subList(0, Math.min(3, all.size()));
      }
      int k = Math.max(1, (int) Math.ceil((double) MIN_DRAWN_SIDE / Math.max(rgb.width(), rgb.height())));
      List<Detection> scaled = kept.stream().map(d -> new Detection(d.label(), d.score(),
          k * d.x0(), k * d.y0(), k * d.x1(), k * d.y1())).toList();
      BufferedImage drawn = DetectionPainter.paint(enlarged(DetectionPainter.image(rgb), k), scaled,
          predictor::name);
      ImageIO.write(drawn, "png", dir.resolve(val.imageId(i) + ".png").toFile());
    }
  }

  /** {@code image} drawn {@code k} times larger (pixels as blocks). */
  private static BufferedImage enlarged(BufferedImage image, int k) {
    if (k == 1) {
      return image;
    }
    BufferedImage out = new BufferedImage(k * image.getWidth(), k * image.getHeight(),
        BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.drawImage(image, 0, 0, out.getWidth(), out.getHeight(), null);
    g.dispose();
    return out;
  }
}

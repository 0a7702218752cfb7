package jdetr.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import jdetr.data.CocoFormatException;
import jdetr.eval.ClassAp;
import jdetr.eval.CocoCategory;
import jdetr.eval.CocoEvaluation;
import jdetr.eval.CocoEvaluator;
import jdetr.eval.CocoGroundTruth;
import jdetr.eval.CocoParams;
import jdetr.eval.CocoResult;
import jdetr.eval.CocoResultsReader;
import jdetr.eval.CocoSegmReader;
import jdetr.eval.CocoSummary;
import jdetr.eval.EvalResult;
import jdetr.eval.GroundTruthSet;
import jdetr.eval.ScoreThresholdMetrics;
import jdetr.eval.SegmInput;
import jdetr.train.CheckpointEvaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jdetr eval}: COCO box AP of a results file against an annotation file, or of a training
 * checkpoint on its recipe's val split (what the eval stage computes).
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "COCO bounding-box or mask evaluation (pycocotools' numbers) of a detections"
        + " file, or of a training checkpoint on its recipe's val split.")
final class EvalCommand implements Callable<Integer> {
  @Option(names = "--gt", paramLabel = "FILE",
      description = "COCO annotation file (images, categories, annotations).")
  Path gt;

  @Option(names = "--dt", paramLabel = "FILE",
      description = "Detections in the COCO results format: [{image_id, category_id, bbox, score}]"
          + " ([{image_id, category_id, segmentation, score}] with --iou-type segm).")
  Path dt;

  @Option(names = "--checkpoint", paramLabel = "DIR",
      description = "A training checkpoint (runs/NAME/checkpoints/step-N) to evaluate on the val"
          + " split of the recipe it stores, instead of --gt/--dt.")
  Path checkpoint;

  @Option(names = "--iou-type", paramLabel = "TYPE", defaultValue = "bbox",
      description = "bbox (default): box AP; segm: mask AP from the objects' and the detections'"
          + " segmentation (polygons or RLE), as pycocotools' iouType \"segm\".")
  String iouType;

  @Option(names = "--json", description = "Print the numbers as JSON with full precision, per-class AP included.")
  boolean json;

  @Option(names = "--per-class", description = "Also print a per-class AP table (text output).")
  boolean perClass;

  @Option(names = "--score-threshold", paramLabel = "S", defaultValue = "0.5",
      description = "Score threshold of the precision/recall monitor at IoU 0.5 (default: ${DEFAULT-VALUE}).")
  double scoreThreshold;

  @Option(names = "--threads", paramLabel = "N",
      description = "Categories evaluated in parallel (default: all cores).")
  Integer threads;

  @Override
  public Integer call() {
    if (!iouType.equals("bbox") && !iouType.equals("segm")) {
      System.err.println("jdetr eval: --iou-type must be bbox or segm, got " + iouType);
      return 2;
    }
    boolean masks = iouType.equals("segm");
    if (checkpoint != null) {
      if (masks) {
        System.err.println("jdetr eval: --checkpoint evaluates boxes only; --iou-type segm takes"
            + " --gt and --dt");
        return 2;
      }
      if (gt != null || dt != null) {
        System.err.println("jdetr eval: --checkpoint evaluates on the checkpoint's own val split;"
            + " it takes no --gt or --dt");
        return 2;
      }
      return evaluateCheckpoint();
    }
    if (gt == null || dt == null) {
      System.err.println("jdetr eval: give --gt FILE and --dt FILE, or --checkpoint DIR");
      return 2;
    }
    try {
      GroundTruthSet truth = GroundTruthSet.read(gt);
      SegmInput segm = masks ? CocoSegmReader.read(gt, dt) : null;
      List<CocoResult> results = masks ? segm.results() : CocoResultsReader.read(dt);
      warnAboutDroppedEntries(truth, results);
      int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
      CocoEvaluation eval;
      try {
        CocoEvaluator evaluator = new CocoEvaluator(truth, CocoParams.bbox(), n);
        eval = masks ? evaluator.evaluateSegm(segm) : evaluator.evaluate(results);
      } catch (IllegalArgumentException e) {
        throw new CocoFormatException(dt + " against " + gt + ": " + e.getMessage(), e);
      }
      if (json) {
        printJson(eval, System.out);
      } else {
        eval.summaryLines().forEach(System.out::println);
        if (perClass) {
          printTable(eval, System.out);
        }
      }
      return 0;
    } catch (IOException | UncheckedIOException e) {
      System.err.println("jdetr eval: " + e.getMessage());
      return 1;
    }
  }

  private int evaluateCheckpoint() {
    EvalResult r;
    try (CheckpointEvaluation evaluation = new CheckpointEvaluation()) {
      r = evaluation.evaluate(checkpoint, -1, -1);
    }
    if (!r.ok()) {
      System.err.println("jdetr eval: " + r.error());
      return 1;
    }
    if (json) {
      System.out.println(new JsonObject().put("checkpoint", checkpoint.toString())
          .put("stats", new JsonArray(Arrays.stream(r.stats()).boxed().toList()))
          .put("seconds", r.seconds()).encode());
    } else {
      CocoSummary.lines(CocoParams.bbox(), r.stats()).forEach(System.out::println);
    }
    return 0;
  }

  /** pycocotools silently leaves these out; say so on stderr. */
  private static void warnAboutDroppedEntries(GroundTruthSet truth, List<CocoResult> results) {
    Set<Long> images = new HashSet<>(truth.imageIds());
    Set<Long> cats = new HashSet<>();
    for (CocoCategory c : truth.categories()) {
      cats.add(c.id());
    }
    long annotations = truth.annotations().stream()
        .filter(a -> !images.contains(a.imageId()) || !cats.contains(a.categoryId())).count();
    if (annotations > 0) {
      CocoGroundTruth first = truth.annotations().stream()
          .filter(a -> !images.contains(a.imageId()) || !cats.contains(a.categoryId()))
          .findFirst().orElseThrow();
      System.err.printf("warning: %d annotations refer to an unknown image or category and are not"
          + " evaluated (first: id %d)%n", annotations, first.id());
    }
    long detections = results.stream().filter(r -> !cats.contains(r.categoryId())).count();
    if (detections > 0) {
      System.err.printf("warning: %d detections have a category_id that is not among the"
          + " categories and are not evaluated%n", detections);
    }
  }

  private void printTable(CocoEvaluation eval, PrintStream out) {
    out.println();
    out.printf("%-8s %-24s %8s %8s %8s %8s%n", "id", "category", "AP", "AP50", "AR100", "objects");
    for (ClassAp c : eval.perClass()) {
      out.printf("%-8d %-24s %8s %8s %8s %8d%n", c.categoryId(), c.name(), pct(c.ap()),
          pct(c.ap50()), pct(c.ar()), c.numGt());
    }
    ScoreThresholdMetrics s = eval.atScore(scoreThreshold);
    out.printf("%nscore >= %s, IoU 0.50: precision %s recall %s (TP %d, FP %d, objects %d)%n",
        scoreThreshold, pct(s.precision()), pct(s.recall()), s.truePositives(),
        s.falsePositives(), s.numGt());
  }

  private static String pct(double v) {
    return v < 0 ? "-" : String.format("%.1f", 100 * v);
  }

  private void printJson(CocoEvaluation eval, OutputStream out) {
    double[] stats = eval.stats();
    try (JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
      g.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
      g.writeStartObject();
      g.writeArrayFieldStart("stats");
      for (double v : stats) {
        g.writeNumber(v);
      }
      g.writeEndArray();
      for (int i = 0; i < stats.length; i++) {
        g.writeNumberField(CocoSummary.NAMES.get(i), stats[i]);
      }
      g.writeNumberField("images", eval.numImages());
      g.writeNumberField("detections", eval.numResults());
      g.writeArrayFieldStart("per_class");
      for (ClassAp c : eval.perClass()) {
        g.writeStartObject();
        g.writeNumberField("id", c.categoryId());
        g.writeStringField("name", c.name());
        g.writeNumberField("AP", c.ap());
        g.writeNumberField("AP50", c.ap50());
        g.writeNumberField("AP75", c.ap75());
        g.writeNumberField("AR100", c.ar());
        g.writeNumberField("objects", c.numGt());
        g.writeEndObject();
      }
      g.writeEndArray();
      ScoreThresholdMetrics s = eval.atScore(scoreThreshold);
      g.writeObjectFieldStart("at_score");
      g.writeNumberField("score_threshold", s.scoreThreshold());
      g.writeNumberField("iou", 0.5);
      g.writeNumberField("precision", s.precision());
      g.writeNumberField("recall", s.recall());
      g.writeNumberField("tp", s.truePositives());
      g.writeNumberField("fp", s.falsePositives());
      g.writeNumberField("objects", s.numGt());
      g.writeEndObject();
      g.writeEndObject();
      g.writeRaw('\n');
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.out.flush();
  }
}

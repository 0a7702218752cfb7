package jdetr.eval;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What {@code jdetr eval} prints of an evaluation besides pycocotools' summary lines, and of a
 * training checkpoint's evaluation.
 */
public final class EvaluationReport {

  private EvaluationReport() {}

  /**
   * The per-class table (AP, AP50, AR100 and objects of each category, in percent) and the
   * precision and recall at IoU 0.5 of the detections scoring at least {@code scoreThreshold}.
   */
  public static void printTable(CocoEvaluation eval, double scoreThreshold, PrintStream out) {
    out.println();
    out.printf("%-8s %-24s %8s %8s %8s %8s%n", "id", "category", "AP", "AP50", "AR100", "objects");
    for (ClassAp c : eval.perClass()) {
      out.printf("%-8d %-24s %8s %8s %8s %8d%n", c.categoryId(), c.name(), pct(c.ap()),
          pct(c.ap50()), pct(c.ar()), c.numGt());
    }
    out.println();
    out.println(monitorLine(eval.atScore(scoreThreshold)));
  }

  /** {@code score >= 0.5, IoU 0.50: precision 92.1 recall 37.4 (TP 374, FP 32, objects 1000)}. */
  private static String monitorLine(ScoreThresholdMetrics s) {
    return String.format("score >= %s, IoU 0.50: precision %s recall %s (TP %d, FP %d, objects %d)",
        s.scoreThreshold(), pct(s.precision()), pct(s.recall()), s.truePositives(),
        s.falsePositives(), s.numGt());
  }

  private static String pct(double v) {
    return v < 0 ? "-" : String.format("%.1f", 100 * v);
  }

  /**
   * The numbers as one JSON line with full precision: the 12 stats (as an array and by name),
   * image and detection counts, per-class AP and the precision and recall at {@code scoreThreshold}.
   */
  public static void writeJson(CocoEvaluation eval, double scoreThreshold, OutputStream out) {
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
      writeAtScore(g, eval.atScore(scoreThreshold));
      g.writeEndObject();
      g.writeRaw('\n');
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The field {@code "at_score": {score_threshold, iou, precision, recall, tp, fp, objects}}. */
  private static void writeAtScore(JsonGenerator g, ScoreThresholdMetrics s) throws IOException {
    g.writeObjectFieldStart("at_score");
    g.writeNumberField("score_threshold", s.scoreThreshold());
    g.writeNumberField("iou", 0.5);
    g.writeNumberField("precision", s.precision());
    g.writeNumberField("recall", s.recall());
    g.writeNumberField("tp", s.truePositives());
    g.writeNumberField("fp", s.falsePositives());
    g.writeNumberField("objects", s.numGt());
    g.writeEndObject();
  }

  /**
   * The numbers of a training checkpoint's evaluation: pycocotools' summary lines, or with
   * {@code json} one line {@code {"checkpoint":…,"stats":[12 numbers],"seconds":…}}; a model that
   * predicts masks adds its mask numbers (after a {@code segm:} line, or as {@code mask_stats}),
   * a score-threshold monitor its precision and recall (the line {@link #printTable} ends with, or
   * {@code at_score} as {@link #writeJson} writes it).
   */
  public static void printCheckpoint(Path checkpoint, EvalResult r, boolean json, PrintStream out) {
    ScoreThresholdMetrics atScore = r.scoreThresholdMetrics();
    if (!json) {
      CocoSummary.lines(CocoParams.bbox(), r.stats()).forEach(out::println);
      if (r.maskStats().length > 0) {
        out.println("segm:");
        CocoSummary.lines(CocoParams.bbox(), r.maskStats()).forEach(out::println);
      }
      if (atScore != null) {
        out.println();
        out.println(monitorLine(atScore));
      }
      return;
    }
    StringWriter line = new StringWriter();
    try (JsonGenerator g = new JsonFactory().createGenerator(line)) {
      g.writeStartObject();
      g.writeStringField("checkpoint", checkpoint.toString());
      g.writeArrayFieldStart("stats");
      for (double v : r.stats()) {
        g.writeNumber(v);
      }
      g.writeEndArray();
      if (r.maskStats().length > 0) {
        g.writeArrayFieldStart("mask_stats");
        for (double v : r.maskStats()) {
          g.writeNumber(v);
        }
        g.writeEndArray();
      }
      if (atScore != null) {
        writeAtScore(g, atScore);
      }
      g.writeNumberField("seconds", r.seconds());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.println(line);
  }

  /**
   * Warns on {@code err} about what pycocotools silently leaves out: annotations of an unknown
   * image or category, detections of an unknown category.
   */
  public static void warnAboutDroppedEntries(GroundTruthSet truth, List<CocoResult> results,
      PrintStream err) {
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
      err.printf("warning: %d annotations refer to an unknown image or category and are not"
          + " evaluated (first: id %d)%n", annotations, first.id());
    }
    long detections = results.stream().filter(r -> !cats.contains(r.categoryId())).count();
    if (detections > 0) {
      err.printf("warning: %d detections have a category_id that is not among the"
          + " categories and are not evaluated%n", detections);
    }
  }
}

package jdetr.eval;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;

/** What {@code jdetr eval} prints of an evaluation besides pycocotools' summary lines. */
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
    ScoreThresholdMetrics s = eval.atScore(scoreThreshold);
    out.printf("%nscore >= %s, IoU 0.50: precision %s recall %s (TP %d, FP %d, objects %d)%n",
        scoreThreshold, pct(s.precision()), pct(s.recall()), s.truePositives(),
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
  }
}

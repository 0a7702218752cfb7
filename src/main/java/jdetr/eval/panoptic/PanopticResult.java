package jdetr.eval.panoptic;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What panopticapi's {@code pq_compute} returns: PQ/SQ/RQ/n over All categories, Things and
 * Stuff, and per class (category id to its numbers, in the ground truth's category order).
 */
public record PanopticResult(
    PqAverage all, PqAverage things, PqAverage stuff, Map<Integer, PqAverage> perClass) {

  /**
   * {@code {"All":{"pq","sq","rq","n"},"Things":{…},"Stuff":{…},
   * "per_class":{"id":{"pq","sq","rq"}}}}
   * with full precision; an average over no category is null.
   */
  public void writeJson(OutputStream out) throws IOException {
    try (JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
      g.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
      g.writeStartObject();
      writeAverage(g, "All", all, true);
      writeAverage(g, "Things", things, true);
      writeAverage(g, "Stuff", stuff, true);
      g.writeObjectFieldStart("per_class");
      for (var e : perClass.entrySet()) {
        writeAverage(g, Integer.toString(e.getKey()), e.getValue(), false);
      }
      g.writeEndObject();
      g.writeEndObject();
    }
    out.write('\n');
  }

  private static void writeAverage(JsonGenerator g, String name, PqAverage a, boolean withN)
      throws IOException {
    g.writeObjectFieldStart(name);
    number(g, "pq", a.pq());
    number(g, "sq", a.sq());
    number(g, "rq", a.rq());
    if (withN) {
      g.writeNumberField("n", a.n());
    }
    g.writeEndObject();
  }

  private static void number(JsonGenerator g, String field, double v) throws IOException {
    if (Double.isNaN(v)) {
      g.writeNullField(field);
    } else {
      g.writeNumberField(field, v);
    }
  }

  /** panopticapi's table: a header, a rule and the All, Things and Stuff rows in percent. */
  public List<String> tableLines() {
    List<String> lines = new ArrayList<>();
    lines.add(String.format("%-10s| %5s  %5s  %5s %5s", "", "PQ", "SQ", "RQ", "N"));
    lines.add("-".repeat(10 + 7 * 4));
    lines.add(row("All", all));
    lines.add(row("Things", things));
    lines.add(row("Stuff", stuff));
    return lines;
  }

  private static String row(String name, PqAverage a) {
    return String.format("%-10s| %5s  %5s  %5s %5d", name, percent(a.pq()), percent(a.sq()),
        percent(a.rq()), a.n());
  }

  /** Python's {@code "{:.1f}".format(100 * v)}: the exact binary value rounded half to even. */
  static String percent(double v) {
    double p = 100 * v;
    if (Double.isNaN(p)) {
      return "nan";
    }
    return new BigDecimal(p).setScale(1, RoundingMode.HALF_EVEN).toPlainString();
  }
}

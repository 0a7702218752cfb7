package jdetr.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import jdetr.eval.Detection;
import jdetr.mask.RleString;

/**
 * The JSON the server sends. A processed frame:
 *
 * <pre>{"frame":7,"width":640,"height":480,
 *  "detections":[{"label":1,"name":"ellipse","score":0.97,"box":[x0,y0,x1,y1]}],
 *  "timings":{"decode_ms":2.1,"prepare_ms":0.8,"infer_ms":3.4,"total_ms":7.9},"batch":2,"dropped_since_last":0}</pre>
 *
 * A detection of a model that predicts masks also carries its mask on the decoded image as COCO
 * compressed RLE: {@code "mask":{"size":[h,w],"counts":"..."}} (column-major runs, pycocotools'
 * string).
 *
 * <p>A rejected frame: {@code {"frame":7,"error":{"code":"IMAGE_REJECTED","reason":"..."},
 * "dropped_since_last":0}} ({@code "frame":null} when no frame id could be read). Boxes are in
 * pixels of the decoded image.
 */
public final class DetectionJson {

  private static final JsonFactory JSON = new JsonFactory();

  private final List<String> classNames;

  public DetectionJson(List<String> classNames) {
    this.classNames = List.copyOf(classNames);
  }

  /** A stream message for a result; {@code undelivered} results lost since the last message are added to the dropped count. */
  public String streamMessage(FrameResult result, int undelivered) {
    return write(g -> {
      g.writeStartObject();
      g.writeNumberField("frame", result.frame());
      if (result instanceof FrameResult.Detected d) {
        body(g, d);
      } else if (result instanceof FrameResult.Rejected r) {
        errorField(g, r.code(), r.reason());
      }
      g.writeNumberField("dropped_since_last", result.superseded() + undelivered);
      g.writeEndObject();
    });
  }

  /** The HTTP response body for a processed image. */
  public String response(FrameResult.Detected d) {
    return write(g -> {
      g.writeStartObject();
      body(g, d);
      g.writeEndObject();
    });
  }

  /** An error message; {@code frame} null when the message carried no frame id. */
  public static String error(Long frame, String code, String reason) {
    return write(g -> {
      g.writeStartObject();
      if (frame == null) {
        g.writeNullField("frame");
      } else {
        g.writeNumberField("frame", frame);
      }
      errorField(g, code, reason);
      g.writeEndObject();
    });
  }

  /** The reply to an accepted control message. */
  public static String controlApplied(ControlMessage control) {
    return write(g -> {
      g.writeStartObject();
      g.writeObjectFieldStart("control");
      g.writeNumberField("threshold", control.threshold());
      g.writeEndObject();
      g.writeEndObject();
    });
  }

  private void body(JsonGenerator g, FrameResult.Detected d) throws IOException {
    g.writeNumberField("width", d.width());
    g.writeNumberField("height", d.height());
    g.writeArrayFieldStart("detections");
    for (Detection det : d.detections()) {
      g.writeStartObject();
      g.writeNumberField("label", det.label());
      g.writeStringField("name", name(det.label()));
      g.writeNumberField("score", round(det.score(), 1e4));
      g.writeArrayFieldStart("box");
      g.writeNumber(round(det.x0(), 10));
      g.writeNumber(round(det.y0(), 10));
      g.writeNumber(round(det.x1(), 10));
      g.writeNumber(round(det.y1(), 10));
      g.writeEndArray();
      if (det.mask() != null) {
        g.writeObjectFieldStart("mask");
        g.writeArrayFieldStart("size");
        g.writeNumber(det.mask().height());
        g.writeNumber(det.mask().width());
        g.writeEndArray();
        g.writeStringField("counts", RleString.encode(det.mask()));
        g.writeEndObject();
      }
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeObjectFieldStart("timings");
    g.writeNumberField("decode_ms", round(d.decodeMs(), 100));
    g.writeNumberField("prepare_ms", round(d.prepareMs(), 100));
    g.writeNumberField("infer_ms", round(d.inferMs(), 100));
    g.writeNumberField("total_ms", round(d.totalMs(), 100));
    g.writeEndObject();
    g.writeNumberField("batch", d.batchSize());
  }

  private String name(int label) {
    return label >= 0 && label < classNames.size() ? classNames.get(label) : "N/A";
  }

  private static void errorField(JsonGenerator g, String code, String reason) throws IOException {
    g.writeObjectFieldStart("error");
    g.writeStringField("code", code);
    g.writeStringField("reason", reason);
    g.writeEndObject();
  }

  private static double round(double v, double scale) {
    return Math.round(v * scale) / scale;
  }

  private interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private static String write(Body body) {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}

package jdetr.eval.panoptic;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jdetr.eval.panoptic.PostProcessPanoptic.Prediction;
import jdetr.eval.panoptic.PostProcessPanoptic.Segment;

/**
 * Writes {@link PostProcessPanoptic}'s results in the COCO panoptic results format, as the
 * reference's evaluation does: one PNG per image named {@code <image_id as 12 digits>.png} and
 * {@code predictions.json} of {@code {"annotations": [{"segments_info": [{id, isthing,
 * category_id, area}], "image_id", "file_name"}]}}, all in one folder — the {@code --dt} and
 * {@code --dt-folder} of {@code jdetr eval --panoptic}.
 */
public final class PanopticPredictionsWriter {
  /** The results file's name inside the folder. */
  public static final String JSON = "predictions.json";

  private record Written(long imageId, String fileName, List<Segment> segments) {}

  private final Path folder;
  private final List<Written> written = new ArrayList<>();

  public PanopticPredictionsWriter(Path folder) throws IOException {
    this.folder = Files.createDirectories(folder);
  }

  /** Writes image {@code imageId}'s PNG now; its segments go into the JSON at {@link #finish}. */
  public void add(long imageId, Prediction prediction) throws IOException {
    String name = String.format("%012d.png", imageId);
    Files.write(folder.resolve(name), prediction.png().encode());
    written.add(new Written(imageId, name, prediction.segmentsInfo()));
  }

  /** Writes {@code predictions.json} and returns its path. */
  public Path finish() throws IOException {
    Path json = folder.resolve(JSON);
    try (OutputStream out = Files.newOutputStream(json);
        JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeArrayFieldStart("annotations");
      for (Written w : written) {
        g.writeStartObject();
        g.writeArrayFieldStart("segments_info");
        for (Segment s : w.segments()) {
          g.writeStartObject();
          g.writeNumberField("id", s.id());
          g.writeBooleanField("isthing", s.isThing());
          g.writeNumberField("category_id", s.categoryId());
          g.writeNumberField("area", s.area());
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeNumberField("image_id", w.imageId());
        g.writeStringField("file_name", w.fileName());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    return json;
  }
}

package jdetr.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import jdetr.mask.Segmentation;

/**
 * The {@code segmentation} of every entry of a COCO file's {@code annotations}, in file order (entry
 * {@code k} here is entry {@code k} of {@link CocoAnnotations}), read when masks are requested.
 * A value {@link SegmentationJson} refuses does not stop the read: the entry keeps its problem
 * (naming the file, the entry, its id and the field) for {@link DatasetValidation}, and loading
 * the entry's mask throws it.
 */
public final class CocoSegmentations {
  /** Per parsed annotations file (the cache's instance), its segmentations, read once. */
  private static final Map<CocoAnnotationFile, CocoSegmentations> READ = new WeakHashMap<>();

  private final Path source;
  private final List<Segmentation> segmentations;
  private final List<SegmentationFormatException> problems;

  private CocoSegmentations(Path source, List<Segmentation> segmentations,
      List<SegmentationFormatException> problems) {
    this.source = source;
    this.segmentations = segmentations;
    this.problems = problems;
  }

  /**
   * The segmentations of {@code file}'s annotations, read once per parsed file (the stages of one
   * process that open the same dataset share them); refused when the file no longer has the
   * annotations {@code file} was parsed with.
   */
  public static CocoSegmentations of(CocoAnnotationFile file) throws IOException {
    synchronized (READ) {
      CocoSegmentations known = READ.get(file);
      if (known != null) return known;
      CocoSegmentations read = read(file.source());
      if (read.size() != file.annotations().size()) {
        throw new CocoFormatException(file.source() + ": changed while it was read ("
            + file.annotations().size() + " annotations, then " + read.size() + ")");
      }
      READ.put(file, read);
      return read;
    }
  }

  /** Reads the segmentations of {@code file} (a second pass over it; the rest is skipped). */
  public static CocoSegmentations read(Path file) throws IOException {
    return CocoAnnotationReader.stream(file, p -> parse(file, p));
  }

  private static CocoSegmentations parse(Path file, JsonParser p) throws IOException {
    List<Segmentation> segmentations = new ArrayList<>();
    List<SegmentationFormatException> problems = new ArrayList<>();
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw new CocoFormatException(file + ": expected a JSON object with annotations");
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String section = p.currentName();
      JsonToken t = p.nextToken();
      if (!section.equals("annotations") || t != JsonToken.START_ARRAY) {
        p.skipChildren();
        continue;
      }
      for (int k = 0; p.nextToken() != JsonToken.END_ARRAY; k++) {
        Segmentation[] value = new Segmentation[1];
        SegmentationFormatException problem = entry(file, p, k, value);
        segmentations.add(value[0]);
        problems.add(problem);
      }
    }
    return new CocoSegmentations(file, segmentations, problems);
  }

  /** Reads entry {@code k} into {@code value[0]}; returns its problem, or null. */
  private static SegmentationFormatException entry(Path file, JsonParser p, int k,
      Segmentation[] value) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return null; // V3 names it
    }
    String where = file + ": annotations[" + k + "]";
    SegmentationFormatException problem = null;
    String id = null;
    JsonStreamContext entry = p.getParsingContext();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      if (field.equals("segmentation")) {
        try {
          value[0] = SegmentationJson.read(p, where);
        } catch (SegmentationFormatException e) {
          problem = e;
          while (p.getParsingContext() != entry) p.nextToken(); // to the value's end
        }
      } else if (field.equals("id") && p.currentToken().isNumeric()) {
        id = p.getText();
      } else {
        p.skipChildren();
      }
    }
    if (problem != null && id != null) {
      String m = problem.getMessage();
      problem = new SegmentationFormatException(problem.field(),
          where + " (id " + id + ")" + m.substring(Math.min(where.length(), m.length())));
    }
    return problem;
  }

  public Path source() {
    return source;
  }

  /** Number of annotation entries. */
  public int size() {
    return segmentations.size();
  }

  /** Entry {@code k}'s segmentation; null when it has none or it was refused. */
  public Segmentation segmentation(int k) {
    return segmentations.get(k);
  }

  /** Why entry {@code k}'s segmentation was refused; null when it was not. */
  public SegmentationFormatException problem(int k) {
    return problems.get(k);
  }
}

package jdetr.eval.panoptic;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.IntStream;
import jdetr.data.CocoFormatException;
import jdetr.data.PanopticAnnotationFile.Segment;
import jdetr.data.PanopticPng;

/** Which {@code segments_info} entry each pixel of a panoptic PNG belongs to. */
final class SegmentIndex {
  private SegmentIndex() {}

  /**
   * Per pixel, the index in {@code segments} of the segment with the pixel's id, or -1 for VOID
   * (id 0 not listed). A non-zero id that {@code segments} does not list is refused.
   */
  static int[] of(List<Segment> segments, PanopticPng png, String what, String name, long imageId)
      throws CocoFormatException {
    Map<Integer, Integer> index = new HashMap<>();
    for (int i = 0; i < segments.size(); i++) {
      long id = segments.get(i).id();
      if (id >= 0 && id <= PanopticPng.MAX_ID) {
        index.put((int) id, i);
      }
    }
    int[] ids = png.ids();
    int[] of = new int[ids.length];
    int lastId = -1, last = -1;
    TreeSet<Integer> unknown = null;
    for (int i = 0; i < ids.length; i++) {
      int id = ids[i];
      if (id != lastId) {
        Integer k = index.get(id);
        lastId = id;
        last = k == null ? -1 : k;
        if (k == null && id != 0) {
          if (unknown == null) {
            unknown = new TreeSet<>();
          }
          unknown.add(id);
        }
      }
      of[i] = last;
    }
    if (unknown != null) {
      throw new CocoFormatException("In the image with ID " + imageId + " " + what
          + " segment(s) with ID " + unknown + " are presented in PNG " + name
          + " and not presented in JSON");
    }
    return of;
  }

  /** Refuses segments of the JSON that cover no pixel of the PNG. */
  static void requireAllPresent(List<Segment> segments, long[] pixels, String what, String name,
      long imageId) throws CocoFormatException {
    List<Long> missing = new ArrayList<>();
    for (int i = 0; i < segments.size(); i++) {
      if (pixels[i] == 0) {
        missing.add(segments.get(i).id());
      }
    }
    if (!missing.isEmpty()) {
      throw new CocoFormatException("In the image with ID " + imageId + " the following " + what
          + " segment IDs " + missing + " are presented in JSON and not presented in PNG " + name);
    }
  }

  /** The indices of {@code segments} in increasing order of segment id. */
  static int[] byId(List<Segment> segments) {
    return IntStream.range(0, segments.size()).boxed()
        .sorted((a, b) -> Long.compare(segments.get(a).id(), segments.get(b).id()))
        .mapToInt(Integer::intValue).toArray();
  }
}

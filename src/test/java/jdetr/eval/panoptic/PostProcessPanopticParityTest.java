package jdetr.eval.panoptic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdetr.data.PanopticPng;
import jdetr.eval.panoptic.PostProcessPanoptic.Prediction;
import jdetr.eval.panoptic.PostProcessPanoptic.Segment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link PostProcessPanoptic} against the reference's PostProcessPanoptic on the same model
 * outputs (parity/panoptic/generate_postprocess_cases.py): the PNG's decoded pixels and the
 * segments_info equal; PIL's NEAREST resize and torch's bilinear upsampling alone.
 */
class PostProcessPanopticParityTest {
  private static JsonNode expected;

  private static JsonNode expected() throws Exception {
    if (expected == null) {
      Path p = Path.of(PostProcessPanopticParityTest.class
          .getResource("/parity/panoptic/postprocess_expected.json").toURI());
      expected = new ObjectMapper().readTree(p.toFile());
    }
    return expected;
  }

  private static float[] floats(JsonNode a) {
    float[] f = new float[a.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = Float.parseFloat(a.get(i).asText());
    }
    return f;
  }

  private static int[][] sizes(JsonNode a) {
    int[][] s = new int[a.size()][];
    for (int i = 0; i < s.length; i++) {
      s[i] = new int[] {a.get(i).get(0).asInt(), a.get(i).get(1).asInt()};
    }
    return s;
  }

  private static int[] unruns(JsonNode runs) {
    int total = 0;
    for (int i = 1; i < runs.size(); i += 2) {
      total += runs.get(i).asInt();
    }
    int[] ids = new int[total];
    int at = 0;
    for (int i = 0; i < runs.size(); i += 2) {
      for (int r = 0; r < runs.get(i + 1).asInt(); r++) {
        ids[at++] = runs.get(i).asInt();
      }
    }
    return ids;
  }

  @ParameterizedTest
  @ValueSource(strings = {"upsample", "downsample", "same_size", "stuff_merge", "nothing_kept",
      "coco_map"})
  void pngAndSegmentsAreTheReferences(String name) throws Exception {
    JsonNode c = expected().get("cases").get(name);
    Map<Integer, Boolean> isThing = new HashMap<>();
    c.get("is_thing_map").fields().forEachRemaining(
        e -> isThing.put(Integer.parseInt(e.getKey()), e.getValue().asBoolean()));
    int q = c.get("num_queries").asInt(), k1 = c.get("num_classes").asInt() + 1;
    JsonNode images = c.get("images");
    List<Prediction> got = new PostProcessPanoptic(isThing, (float) expected().get("threshold")
        .asDouble()).apply(floats(c.get("pred_logits")), floats(c.get("pred_masks")),
        images.size(), q, k1, c.get("mask_height").asInt(), c.get("mask_width").asInt(),
        sizes(c.get("processed_sizes")), sizes(c.get("target_sizes")));
    assertThat(got).hasSize(images.size());
    for (int i = 0; i < images.size(); i++) {
      JsonNode want = images.get(i);
      // through PNG bytes and back: what a reader of the written file sees
      PanopticPng png = PanopticPng.decode(got.get(i).png().encode(), name + " image " + i);
      assertThat(png.height()).isEqualTo(want.get("height").asInt());
      assertThat(png.width()).isEqualTo(want.get("width").asInt());
      assertThat(png.ids()).as(name + " image " + i).isEqualTo(unruns(want.get("id_runs")));
      List<Segment> segments = got.get(i).segmentsInfo();
      assertThat(segments).hasSize(want.get("segments_info").size());
      for (int s = 0; s < segments.size(); s++) {
        JsonNode w = want.get("segments_info").get(s);
        assertThat(segments.get(s)).isEqualTo(new Segment(w.get("id").asInt(),
            w.get("isthing").asBoolean(), w.get("category_id").asInt(), w.get("area").asLong()));
      }
    }
  }

  @Test
  void nearestResizeIsPils() throws Exception {
    for (JsonNode r : expected().get("pil_nearest")) {
      int h = r.get("from").get(0).asInt(), w = r.get("from").get(1).asInt();
      int[] ids = new int[h * w];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = i;
      }
      assertThat(NearestResize.resize(ids, h, w, r.get("to").get(0).asInt(),
          r.get("to").get(1).asInt())).as(r.get("from") + " to " + r.get("to"))
          .isEqualTo(unruns(r.get("id_runs")));
    }
  }

  @Test
  void bilinearIsTorchsToTheBit() throws Exception {
    JsonNode b = expected().get("bilinear");
    JsonNode shape = b.get("shape");
    float[] got = BilinearUpsampling.resize(floats(b.get("input")), shape.get(0).asInt(),
        shape.get(1).asInt(), shape.get(2).asInt(), b.get("size").get(0).asInt(),
        b.get("size").get(1).asInt());
    JsonNode hex = b.get("output_hex");
    assertThat(got).hasSize(hex.size());
    int equal = 0;
    for (int i = 0; i < got.length; i++) {
      // numpy's tobytes().hex() of a float32: little-endian bytes
      int bits = Integer.reverseBytes((int) Long.parseLong(hex.get(i).asText(), 16));
      if (Float.floatToRawIntBits(got[i]) == bits) {
        equal++;
      }
    }
    assertThat(equal).isEqualTo(got.length);
  }
}

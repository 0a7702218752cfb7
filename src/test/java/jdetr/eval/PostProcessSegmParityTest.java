package jdetr.eval;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import jdetr.data.InstanceMasks;
import org.junit.jupiter.api.Test;

/**
 * PostProcessSegm against the reference's on random logits (parity/postprocess_segm): batches of
 * 1-3 images of different sizes, one query exactly on the threshold everywhere; every mask must
 * be bit for bit the reference's uint8 [Q, 1, H0, W0].
 */
class PostProcessSegmParityTest {

  private static int[][] pairs(JsonNode n) {
    int[][] out = new int[n.size()][];
    for (int i = 0; i < out.length; i++) out[i] = new int[] {n.get(i).get(0).asInt(), n.get(i).get(1).asInt()};
    return out;
  }

  @Test
  void masksMatchTheReferenceBitForBit() throws Exception {
    JsonNode cases;
    try (InputStream in = getClass().getResourceAsStream(
        "/parity/postprocess_segm/postprocess_segm.json")) {
      cases = new ObjectMapper().readTree(in).get("cases");
    }
    int masks = 0;
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      for (JsonNode c : cases) {
        JsonNode shape = c.get("pred_masks_shape");
        float[] logits = new float[c.get("pred_masks").size()];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) c.get("pred_masks").get(i).asDouble();
        NDArray pred = m.create(logits, new Shape(shape.get(0).asLong(), shape.get(1).asLong(),
            shape.get(2).asLong(), shape.get(3).asLong()));
        List<InstanceMasks> out = new PostProcessSegm().apply(pred, pairs(c.get("size")),
            pairs(c.get("orig_size")));
        for (int i = 0; i < out.size(); i++) {
          JsonNode e = c.get("images").get(i);
          InstanceMasks got = out.get(i);
          assertThat(new int[] {got.count(), 1, got.height(), got.width()})
              .containsExactly(e.get("shape").get(0).asInt(), e.get("shape").get(1).asInt(),
                  e.get("shape").get(2).asInt(), e.get("shape").get(3).asInt());
          for (int q = 0; q < got.count(); q++) {
            assertThat(got.area(q)).as("area of query " + q).isEqualTo(e.get("areas").get(q).asLong());
          }
          String sha1 = HexFormat.of().formatHex(
              MessageDigest.getInstance("SHA-1").digest(got.pixels()));
          assertThat(sha1).isEqualTo(e.get("sha1").asText());
          masks += got.count();
        }
      }
    }
    assertThat(masks).isEqualTo(22);
  }
}

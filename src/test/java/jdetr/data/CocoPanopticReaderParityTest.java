package jdetr.data;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import jdetr.data.CocoPanopticReader.Layout;
import org.junit.jupiter.api.Test;

/**
 * {@link CocoPanopticReader} against the reference's CocoPanoptic (no transforms) on the twelve
 * images of parity/panoptic/pq_cases/many (parity/panoptic/generate_reader_cases.py).
 */
class CocoPanopticReaderParityTest {
  @Test
  void targetsAreTheReferences() throws Exception {
    Path dir = Path.of(getClass().getResource("/parity/panoptic").toURI());
    Path kase = dir.resolve("pq_cases/many");
    CocoPanopticReader reader = CocoPanopticReader.open(
        new Layout(kase.resolve("gt.json"), kase.resolve("gt"), dir.resolve("reader_images")));
    JsonNode want = new ObjectMapper().readTree(dir.resolve("reader_expected.json").toFile());
    assertThat(reader.size()).isEqualTo(want.size());
    for (int i = 0; i < want.size(); i++) {
      JsonNode w = want.get(i);
      PanopticTarget t = reader.target(i);
      assertThat(t.imageId()).isEqualTo(w.get("image_id").asLong());
      assertThat(new int[] {t.height(), t.width()})
          .containsExactly(w.get("size").get(0).asInt(), w.get("size").get(1).asInt());
      int n = t.size();
      assertThat(w.get("labels")).hasSize(n);
      for (int k = 0; k < n; k++) {
        assertThat(t.labels()[k]).isEqualTo(w.get("labels").get(k).asInt());
        assertThat(t.iscrowd()[k]).isEqualTo(w.get("iscrowd").get(k).asInt());
        assertThat(t.area()[k]).isEqualTo(w.get("area").get(k).asLong());
        for (int c = 0; c < 4; c++) {
          assertThat(t.boxes()[4 * k + c]).isEqualTo((float) w.get("boxes").get(4 * k + c)
              .asDouble());
        }
      }
      assertThat(w.get("masks_shape").get(0).asInt()).isEqualTo(n);
      String sha1 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(t.masks()));
      assertThat(sha1).as("masks of item " + i).isEqualTo(w.get("masks_sha1").asText());
    }
  }
}

package jdetr.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import jdetr.eval.Detection;
import jdetr.mask.Rle;
import jdetr.mask.RleString;
import org.junit.jupiter.api.Test;

/** A detection's mask goes out as COCO compressed RLE of the decoded frame; boxes-only stays as it was. */
class DetectionJsonMaskTest {
  @Test
  void aDetectionWithAMaskCarriesItsCompressedRle() throws Exception {
    byte[] pixels = new byte[6 * 9];
    for (int y = 1; y < 4; y++) {
      for (int x = 2; x < 8; x++) pixels[y * 9 + x] = 1;
    }
    Rle mask = Rle.encode(pixels, 6, 9);
    List<Detection> detections = List.of(new Detection(1, 0.9f, 2, 1, 8, 4).withMask(mask),
        new Detection(2, 0.8f, 0, 0, 1, 1));
    FrameResult.Detected d = new FrameResult.Detected(7, 0, 9, 6, detections, 1, 1, 1, 3, 1);
    JsonNode json = new ObjectMapper().readTree(
        new DetectionJson(List.of("n/a", "ellipse", "box")).response(d));
    JsonNode first = json.get("detections").get(0);
    assertThat(first.get("mask").get("size").toString()).isEqualTo("[6,9]");
    assertThat(RleString.decode(first.get("mask").get("counts").asText(), 6, 9)).isEqualTo(mask);
    assertThat(json.get("detections").get(1).has("mask")).isFalse();
  }
}

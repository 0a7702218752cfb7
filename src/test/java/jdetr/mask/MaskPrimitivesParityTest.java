package jdetr.mask;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * jdetr.mask against pycocotools on src/test/resources/parity/mask/primitives.json (see the
 * README there): every RLE, decoded mask, area, box and IoU must be identical.
 */
class MaskPrimitivesParityTest {
  private static JsonNode fixtures;

  @BeforeAll
  static void load() throws IOException {
    fixtures = new ObjectMapper().readTree(
        MaskPrimitivesParityTest.class.getResourceAsStream("/parity/mask/primitives.json"));
  }

  @Test
  void polygonsRasterizeAsPycocotools() {
    JsonNode cases = fixtures.get("polygons");
    assertThat(cases.size()).isGreaterThanOrEqualTo(100);
    for (JsonNode c : cases) {
      int h = c.get("h").asInt();
      int w = c.get("w").asInt();
      List<double[]> polygons = new ArrayList<>();
      for (JsonNode p : c.get("polygons")) {
        double[] xy = new double[p.size()];
        for (int i = 0; i < xy.length; i++) {
          xy[i] = p.get(i).asDouble();
        }
        polygons.add(xy);
      }
      for (int j = 0; j < polygons.size(); j++) {
        assertThat(RleString.encode(PolygonRasterizer.rasterize(polygons.get(j), h, w)))
            .as("polygon %s in %dx%d", c.get("polygons").get(j), h, w)
            .isEqualTo(c.get("parts").get(j).asText());
      }
      assertDescribed(PolygonRasterizer.rasterizeAll(polygons, h, w), c.get("merged"));
    }
  }

  @Test
  void uncompressedRleAsPycocotools() {
    for (JsonNode c : fixtures.get("uncompressed")) {
      Rle rle = Rle.of(c.get("h").asInt(), c.get("w").asInt(), ints(c.get("counts")));
      assertDescribed(rle, c.get("rle"));
    }
  }

  @Test
  void encodesMasksAsPycocotools() {
    for (JsonNode c : fixtures.get("encode")) {
      int h = c.get("h").asInt();
      int w = c.get("w").asInt();
      String bits = c.get("mask").asText();
      byte[] mask = new byte[h * w];
      for (int i = 0; i < mask.length; i++) {
        mask[i] = (byte) (bits.charAt(i) - '0');
      }
      Rle rle = Rle.encode(mask, h, w);
      assertDescribed(rle, c.get("rle"));
      assertThat(rle.decode()).isEqualTo(mask);
    }
  }

  @Test
  void mergesAsPycocotools() {
    for (JsonNode c : fixtures.get("merge")) {
      int h = c.get("h").asInt();
      int w = c.get("w").asInt();
      List<Rle> parts = new ArrayList<>();
      c.get("parts").forEach(p -> parts.add(RleString.decode(p.asText(), h, w)));
      assertThat(RleString.encode(Rle.merge(parts, false))).isEqualTo(c.get("union").asText());
      assertThat(RleString.encode(Rle.merge(parts, true)))
          .isEqualTo(c.get("intersection").asText());
    }
  }

  @Test
  void compressedStringsOfLongRuns() {
    for (JsonNode c : fixtures.get("strings")) {
      int h = c.get("h").asInt();
      int w = c.get("w").asInt();
      Rle rle = Rle.of(h, w, ints(c.get("counts")));
      String s = c.get("string").asText();
      assertThat(RleString.encode(rle)).isEqualTo(s);
      assertThat(RleString.decode(s, h, w)).isEqualTo(rle);
      assertThat(rle.area()).isEqualTo(c.get("area").asLong());
      assertThat(rle.toBbox()).containsExactly(doubles(c.get("bbox")));
    }
  }

  @Test
  void maskIouWithCrowdsAsPycocotools() {
    int minusOne = 0;
    for (JsonNode c : fixtures.get("iou")) {
      Rle[] dt = rles(c.get("dt"));
      Rle[] gt = rles(c.get("gt"));
      boolean[] crowd = new boolean[gt.length];
      for (int g = 0; g < gt.length; g++) {
        crowd[g] = c.get("iscrowd").get(g).asInt() != 0;
      }
      double[] iou = MaskIou.iou(dt, gt, crowd);
      for (int d = 0; d < dt.length; d++) {
        for (int g = 0; g < gt.length; g++) {
          double want = c.get("iou").get(d).get(g).asDouble();
          assertThat(iou[d * gt.length + g]).as("iou[%d][%d]", d, g).isEqualTo(want);
          minusOne += want == -1 ? 1 : 0;
        }
      }
    }
    assertThat(minusOne).as("cases with masks of different sizes").isPositive();
  }

  private static void assertDescribed(Rle rle, JsonNode want) {
    assertThat(RleString.encode(rle)).isEqualTo(want.get("counts").asText());
    assertThat(sha1(rle.decode())).isEqualTo(want.get("sha1").asText());
    assertThat(rle.area()).isEqualTo(want.get("area").asLong());
    assertThat(rle.toBbox()).containsExactly(doubles(want.get("bbox")));
  }

  private static Rle[] rles(JsonNode list) {
    Rle[] out = new Rle[list.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode r = list.get(i);
      out[i] = RleString.decode(r.get("counts").asText(), r.get("size").get(0).asInt(),
          r.get("size").get(1).asInt());
    }
    return out;
  }

  private static int[] ints(JsonNode list) {
    int[] out = new int[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = list.get(i).asInt();
    }
    return out;
  }

  private static double[] doubles(JsonNode list) {
    double[] out = new double[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = list.get(i).asDouble();
    }
    return out;
  }

  private static String sha1(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

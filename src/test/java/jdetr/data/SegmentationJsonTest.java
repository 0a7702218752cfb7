package jdetr.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import jdetr.mask.Rle;
import jdetr.mask.RleString;
import jdetr.mask.Segmentation;
import org.junit.jupiter.api.Test;

class SegmentationJsonTest {
  private static final String WHERE = "a.json: annotations[2] (id 7)";

  private static Segmentation read(String json) throws IOException {
    try (JsonParser p = new JsonFactory().createParser(json)) {
      p.nextToken();
      Segmentation s = SegmentationJson.read(p, WHERE);
      assertThat(p.nextToken()).as("the parser stops on the value's last token").isNull();
      return s;
    }
  }

  private static void rejects(String json, String... fragments) {
    assertThatThrownBy(() -> read(json)).isInstanceOf(CocoFormatException.class)
        .hasMessageStartingWith(WHERE + ": field 'segmentation")
        .hasMessageContainingAll(fragments);
  }

  @Test
  void readsTheThreeForms() throws IOException {
    Segmentation poly = read("[[0, 0, 4, 0, 4, 3], [1.5, 1, 2, 2, 1, 2, 0.5, 1]]");
    assertThat(poly).isInstanceOf(Segmentation.Polygons.class);
    assertThat(((Segmentation.Polygons) poly).polygons()).hasSize(2);
    Rle fromPoly = poly.toRle(5, 6);
    assertThat(fromPoly.height()).isEqualTo(5);
    assertThat(fromPoly.area()).isPositive();

    Segmentation raw = read("{\"size\": [2, 3], \"counts\": [1, 2, 0, 3]}");
    assertThat(raw).isInstanceOf(Segmentation.UncompressedRle.class);
    assertThat(raw.toRle(2, 3).area()).as("the odd runs: 2 + 3").isEqualTo(5);
    Segmentation compressed = read("{\"counts\": \"" + RleString.encode(raw.toRle(2, 3))
        + "\", \"size\": [2, 3]}");
    assertThat(compressed).isInstanceOf(Segmentation.CompressedRle.class);
    assertThat(compressed.toRle(2, 3)).isEqualTo(raw.toRle(2, 3));
  }

  @Test
  void malformedPolygonsAreNamed() {
    rejects("[[0, 0, 4, 0]]", "segmentation[0]'", "2 points", "at least 3");
    rejects("[[0, 0, 4, 0, 4, 3], [1, 2, 3, 4, 5, 6, 7]]", "segmentation[1]'", "odd number");
    rejects("[[0, 0, 4, 1e999, 4, 3]]", "segmentation[0][3]'", "not a finite number");
    rejects("[[0, 0, \"4\", 0, 4, 3]]", "segmentation[0][2]'", "must be a number");
    rejects("[]", "empty list of polygons");
    rejects("[0, 0, 4, 0, 4, 3]", "must be a polygon");
    rejects("17", "list of polygons or an RLE object");
  }

  @Test
  void inconsistentRleIsNamed() {
    rejects("{\"size\": [2, 3], \"counts\": [1, 2, 4]}", "segmentation.counts'", "sum to 7",
        "6 pixels");
    rejects("{\"size\": [2, 3], \"counts\": [1, -2, 7]}", "segmentation.counts[1]'",
        "non-negative integer");
    rejects("{\"counts\": [6]}", "segmentation.size'", "missing");
    rejects("{\"size\": [2], \"counts\": [2]}", "segmentation.size'", "expected [h, w]");
    rejects("{\"size\": [2, 3]}", "segmentation.counts'", "missing");
    rejects("{\"size\": [2, 3], \"counts\": \"1~\"}", "'~'");
    rejects("{\"size\": [2, 3], \"counts\": \"1a\"}", "middle of a count");
    rejects("{\"size\": [2, 3], \"counts\": \"16\"}", "sum to 7");
  }

  @Test
  void rleOfAnotherSizeThanTheImageIsRefused() throws IOException {
    Segmentation raw = read("{\"size\": [2, 3], \"counts\": [1, 2, 3]}");
    assertThatThrownBy(() -> raw.toRle(3, 2)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[2, 3]").hasMessageContaining("[3, 2]");
    assertThat(raw.toRle(-1, -1).area()).as("no image size to check against").isEqualTo(2);
    Segmentation poly = read("[[0, 0, 4, 0, 4, 3]]");
    assertThatThrownBy(() -> poly.toRle(-1, -1)).hasMessageContaining("height and width");
  }
}

package jdetr.eval.panoptic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jdetr.data.CocoFormatException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PQ, SQ, RQ and n (All, Things, Stuff, per class) and the printed table against panopticapi's
 * {@code pq_compute} on the generated cases of parity/panoptic, and its refusals.
 */
class PanopticQualityParityTest {
  private static Path parity(String name) throws Exception {
    return Path.of(PanopticQualityParityTest.class.getResource("/parity/panoptic/" + name).toURI());
  }

  private static JsonNode expected() throws Exception {
    return new ObjectMapper().readTree(parity("pq_expected.json").toFile());
  }

  @ParameterizedTest
  @ValueSource(strings = {"basic", "half_iou", "json_area", "detr_ids", "many"})
  void numbersAreThoseOfPanopticapi(String name) throws Exception {
    Path dir = parity("pq_cases/" + name);
    PanopticResult r = PanopticQuality.compute(dir.resolve("gt.json"), dir.resolve("gt"),
        dir.resolve("pred.json"), dir.resolve("pred"), 2);
    JsonNode want = expected().get("cases").get(name);
    assertAverage(r.all(), want.get("All"), true);
    assertAverage(r.things(), want.get("Things"), true);
    assertAverage(r.stuff(), want.get("Stuff"), true);
    JsonNode perClass = want.get("per_class");
    assertThat(r.perClass()).hasSize(perClass.size());
    for (Map.Entry<Integer, PqAverage> e : r.perClass().entrySet()) {
      assertAverage(e.getValue(), perClass.get(Integer.toString(e.getKey())), false);
    }
    List<String> table = new ArrayList<>();
    want.get("table").forEach(l -> table.add(l.asText()));
    assertThat(r.tableLines()).containsExactlyElementsOf(table);
    // the cases are not trivial: some matches, some misses
    assertThat(r.all().pq()).isBetween(0.05, 0.95);
  }

  private static void assertAverage(PqAverage got, JsonNode want, boolean withN) {
    assertThat(got.pq()).isCloseTo(want.get("pq").asDouble(), within(1e-9));
    assertThat(got.sq()).isCloseTo(want.get("sq").asDouble(), within(1e-9));
    assertThat(got.rq()).isCloseTo(want.get("rq").asDouble(), within(1e-9));
    if (withN) {
      assertThat(got.n()).isEqualTo(want.get("n").asInt());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"png_not_in_json", "json_not_in_png", "unknown_category"})
  void refusesWhatPanopticapiRefuses(String name) throws Exception {
    Path dir = parity("pq_errors/" + name);
    String theirs = expected().get("errors").get(name).asText();
    // the ids panopticapi names: "segment with ID 123", "segment IDs [4242]", "category_id 55"
    String id = theirs.replaceAll("(?s).*(?:segment with ID |segment IDs \\[)(\\d+).*", "$1");
    assertThatThrownBy(() -> PanopticQuality.compute(dir.resolve("gt.json"), dir.resolve("gt"),
        dir.resolve("pred.json"), dir.resolve("pred"), 1))
        .isInstanceOf(CocoFormatException.class)
        .hasMessageContaining("image with ID 5")
        .hasMessageContaining(id)
        .hasMessageContaining(dir.resolve("pred").toString())
        .hasMessageContaining(name.equals("unknown_category") ? "unknown category_id 55"
            : name.equals("png_not_in_json") ? "presented in PNG" : "presented in JSON");
  }
}

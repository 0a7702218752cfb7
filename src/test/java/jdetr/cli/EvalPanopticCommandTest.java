package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code jdetr eval --panoptic} on the panopticapi parity cases. */
class EvalPanopticCommandTest {

  private static Path parity(String name) throws Exception {
    return Path.of(EvalPanopticCommandTest.class.getResource("/parity/panoptic/" + name).toURI());
  }

  private static String[] args(String kase, String... more) throws Exception {
    Path dir = parity(kase);
    List<String> a = new ArrayList<>(List.of("eval", "--panoptic",
        "--gt", dir.resolve("gt.json").toString(), "--gt-folder", dir.resolve("gt").toString(),
        "--dt", dir.resolve("pred.json").toString(), "--dt-folder", dir.resolve("pred").toString()));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  @Test
  void jsonHasAllThingsStuffAndPerClassAsPanopticapi() throws Exception {
    CommandRun r = CommandRun.of(args("pq_cases/many", "--json"));
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode got = new ObjectMapper().readTree(r.out());
    JsonNode want = new ObjectMapper().readTree(parity("pq_expected.json").toFile())
        .get("cases").get("many");
    for (String group : List.of("All", "Things", "Stuff")) {
      for (String m : List.of("pq", "sq", "rq")) {
        assertThat(got.get(group).get(m).asDouble())
            .isCloseTo(want.get(group).get(m).asDouble(), within(1e-12));
      }
      assertThat(got.get(group).get("n").asInt()).isEqualTo(want.get(group).get("n").asInt());
    }
    assertThat(got.get("per_class").size()).isEqualTo(want.get("per_class").size());
    want.get("per_class").fields().forEachRemaining(e -> assertThat(
        got.get("per_class").get(e.getKey()).get("pq").asDouble())
        .isCloseTo(e.getValue().get("pq").asDouble(), within(1e-12)));
  }

  @Test
  void textIsPanopticapisTable() throws Exception {
    CommandRun r = CommandRun.of(args("pq_cases/basic"));
    assertThat(r.code()).as(r.err()).isZero();
    List<String> table = new ArrayList<>();
    new ObjectMapper().readTree(parity("pq_expected.json").toFile()).get("cases").get("basic")
        .get("table").forEach(l -> table.add(l.asText()));
    assertThat(r.out().lines()).containsExactlyElementsOf(table);
  }

  @Test
  void refusalsNameTheImageAndSegment() throws Exception {
    CommandRun r = CommandRun.of(args("pq_errors/json_not_in_png"));
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("image with ID 5").contains("[4242]");
    CommandRun wrong = CommandRun.of("eval", "--panoptic", "--iou-type", "segm", "--gt", "a.json", "--dt", "b.json");
    assertThat(wrong.code()).isEqualTo(2);
    assertThat(wrong.err()).contains("--panoptic takes");
    CommandRun folders = CommandRun.of("eval", "--gt", "a.json", "--dt", "b.json", "--gt-folder", "x");
    assertThat(folders.code()).isEqualTo(2);
    assertThat(folders.err()).contains("go with --panoptic");
  }
}

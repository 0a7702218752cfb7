package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalCommandTest {
  @TempDir Path tmp;

  private static Path parity(String name) throws URISyntaxException {
    return Path.of(EvalCommandTest.class.getResource("/parity/eval/cases/" + name).toURI());
  }

  private static JsonNode expected(String name) throws Exception {
    return new ObjectMapper().readTree(Path.of(EvalCommandTest.class
        .getResource("/parity/eval/expected.json").toURI()).toFile()).get(name);
  }

  @Test
  void printsTheTwelveLinesOfPycocotools() throws Exception {
    CommandRun r = CommandRun.of("eval", "--gt", parity("crowd.gt.json").toString(), "--dt", parity("crowd.dt.json").toString());
    assertThat(r.code()).isZero();
    List<String> want = new ArrayList<>();
    expected("crowd").get("lines").forEach(l -> want.add(l.asText()));
    assertThat(r.out().lines()).containsExactlyElementsOf(want);
  }

  @Test
  void jsonCarriesFullPrecisionAndPerClassAp() throws Exception {
    CommandRun r = CommandRun.of("eval", "--gt", parity("basic.gt.json").toString(), "--dt", parity("basic.dt.json").toString(),
        "--json", "--threads", "2");
    assertThat(r.code()).isZero();
    JsonNode got = new ObjectMapper().readTree(r.out());
    JsonNode want = expected("basic");
    for (int i = 0; i < 12; i++) {
      assertThat(got.get("stats").get(i).asDouble()).isEqualTo(want.get("stats").get(i).asDouble());
    }
    assertThat(got.get("AP").asDouble()).isEqualTo(want.get("stats").get(0).asDouble());
    assertThat(got.get("per_class")).hasSize(6);
    assertThat(got.get("per_class").get(0).get("name").asText()).isEqualTo("class_1");
    assertThat(got.get("per_class").get(0).get("AP").asDouble())
        .isEqualTo(want.get("per_class").get(0).get("AP").asDouble());
    assertThat(got.get("at_score").get("precision").asDouble()).isBetween(0.0, 1.0);
  }

  @Test
  void perClassTableAndMonitorLine() throws Exception {
    CommandRun r = CommandRun.of("eval", "--gt", parity("basic.gt.json").toString(), "--dt", parity("basic.dt.json").toString(),
        "--per-class", "--score-threshold", "0.3");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("class_13").contains("score >= 0.3, IoU 0.50: precision");
  }

  @Test
  void theHelpSaysTheScoreThresholdServesCheckpointsToo() {
    CommandRun r = CommandRun.of("eval", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out().replaceAll("\\s+", " "))
        .contains("--per-class, --json and --checkpoint (default: 0.5,");
  }

  @Test
  void badFilesGiveAClearErrorAndExitCode() throws Exception {
    Path dt = Files.writeString(tmp.resolve("dets.json"),
        "[{\"image_id\":424242,\"category_id\":1,\"bbox\":[1,2,3,4],\"score\":0.5}]");
    CommandRun r = CommandRun.of("eval", "--gt", parity("basic.gt.json").toString(), "--dt", dt.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("dets.json").contains("image_id 424242").contains("not among the ground-truth images");

    Path broken = Files.writeString(tmp.resolve("broken.json"), "{\"images\": [");
    r = CommandRun.of("eval", "--gt", broken.toString(), "--dt", dt.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("broken.json").contains("malformed JSON");

    r = CommandRun.of("eval", "--gt", tmp.resolve("missing.json").toString(), "--dt", dt.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("missing.json");
  }
}

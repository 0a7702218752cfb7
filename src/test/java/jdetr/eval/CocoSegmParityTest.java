package jdetr.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Mask AP against pycocotools' COCOeval(iouType="segm") on the cases of
 * src/test/resources/parity/mask (see the README there): polygons, crowds in uncompressed RLE,
 * compressed RLE, empty images, more than 100 detections per image, results with boxes.
 */
class CocoSegmParityTest {
  private static final double TOLERANCE = 1e-12;

  static Path dir() throws URISyntaxException {
    return Path.of(CocoSegmParityTest.class.getResource("/parity/mask/segm_expected.json").toURI())
        .getParent();
  }

  static JsonNode expected() throws IOException, URISyntaxException {
    return new ObjectMapper().readTree(dir().resolve("segm_expected.json").toFile());
  }

  static Stream<String> cases() throws IOException, URISyntaxException {
    List<String> names = new ArrayList<>();
    expected().fieldNames().forEachRemaining(names::add);
    assertThat(names).hasSizeGreaterThanOrEqualTo(5);
    return names.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void agreesWithPycocotools(String name) throws IOException, URISyntaxException {
    Path gt = dir().resolve("cases/" + name + ".gt.json");
    Path dt = dir().resolve("cases/" + name + ".dt.json");
    GroundTruthSet truth = GroundTruthSet.read(gt);
    SegmInput segm = CocoSegmReader.read(gt, dt);
    double[] stats = new CocoEvaluator(truth, CocoParams.bbox(), 1).evaluateSegm(segm).stats();
    double[] parallel = new CocoEvaluator(truth, CocoParams.bbox(), 2).evaluateSegm(segm).stats();
    assertThat(parallel).containsExactly(stats);
    double[] boxes = new CocoEvaluator(truth, CocoParams.bbox(), 1).evaluate(segm.results()).stats();
    assertThat(boxes).as("mask AP differs from box AP").isNotEqualTo(stats);
    JsonNode want = expected().get(name).get("stats");
    for (int i = 0; i < 12; i++) {
      assertThat(stats[i]).as("%s stat %d (%s)", name, i, CocoSummary.NAMES.get(i))
          .isCloseTo(want.get(i).asDouble(), within(TOLERANCE));
    }
  }
}

package jdetr.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdetr.mask.Rle;
import jdetr.mask.RleString;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Mask results built from per-image detections with masks (what evaluation of a model with a mask
 * head produces) give pycocotools' mask AP on the parity cases of parity/mask, both evaluated
 * directly and after a round trip through the written results file.
 */
class SegmResultsTest {
  @TempDir Path dir;

  /** The case's results file regrouped per image into detections and [N, H, W] masks. */
  private static SegmResults fromResultsFile(Path gt, Path dt) throws Exception {
    ObjectMapper json = new ObjectMapper();
    Map<Long, int[]> sizes = new LinkedHashMap<>();
    for (JsonNode im : json.readTree(gt.toFile()).get("images")) {
      sizes.put(im.get("id").asLong(), new int[] {im.get("height").asInt(), im.get("width").asInt()});
    }
    Map<Long, List<Detection>> detections = new LinkedHashMap<>();
    for (JsonNode r : json.readTree(dt.toFile())) {
      long id = r.get("image_id").asLong();
      int[] hw = sizes.get(id);
      JsonNode s = r.get("segmentation");
      Rle rle = s.get("counts").isTextual()
          ? RleString.decode(s.get("counts").asText(), hw[0], hw[1])
          : Rle.of(hw[0], hw[1], new ObjectMapper().convertValue(s.get("counts"), int[].class));
      detections.computeIfAbsent(id, k -> new ArrayList<>()).add(new Detection(
          r.get("category_id").asInt(), (float) r.get("score").asDouble(), 0, 0, 0, 0, rle));
    }
    SegmResults out = new SegmResults();
    detections.forEach(out::add);
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"segm_basic", "segm_crowd", "segm_empty", "segm_many"})
  void perImageMasksGivePycocotoolsMaskAp(String name) throws Exception {
    Path gt = CocoSegmParityTest.dir().resolve("cases/" + name + ".gt.json");
    Path dt = CocoSegmParityTest.dir().resolve("cases/" + name + ".dt.json");
    GroundTruthSet truth = GroundTruthSet.read(gt);
    SegmResults results = fromResultsFile(gt, dt);
    assertThat(results.size()).isPositive();
    double[] direct = new CocoEvaluator(truth, CocoParams.bbox(), 1)
        .evaluateSegm(results.input(CocoSegmReader.groundTruthMasks(gt))).stats();
    Path written = dir.resolve(name + ".segm.json");
    results.write(written);
    double[] fromFile = new CocoEvaluator(truth, CocoParams.bbox(), 1)
        .evaluateSegm(CocoSegmReader.read(gt, written)).stats();
    JsonNode want = CocoSegmParityTest.expected().get(name).get("stats");
    for (int i = 0; i < 12; i++) {
      assertThat(direct[i]).as("%s stat %d", name, i)
          .isCloseTo(want.get(i).asDouble(), within(1e-12));
      assertThat(fromFile[i]).as("%s stat %d from the file", name, i).isEqualTo(direct[i]);
    }
  }
}

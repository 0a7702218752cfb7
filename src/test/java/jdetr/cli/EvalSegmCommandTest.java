package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jdetr eval --iou-type segm} on the mask parity cases and on malformed files. */
class EvalSegmCommandTest {
  @TempDir Path tmp;

  private static Path parity(String name) throws Exception {
    return Path.of(EvalSegmCommandTest.class.getResource("/parity/mask/" + name).toURI());
  }

  @Test
  void jsonStatsAreThoseOfPycocotools() throws Exception {
    CommandRun r = CommandRun.of("eval", "--iou-type", "segm", "--json",
        "--gt", parity("cases/segm_crowd.gt.json").toString(),
        "--dt", parity("cases/segm_crowd.dt.json").toString());
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode stats = new ObjectMapper().readTree(r.out()).get("stats");
    JsonNode want = new ObjectMapper().readTree(parity("segm_expected.json").toFile())
        .get("segm_crowd").get("stats");
    for (int i = 0; i < 12; i++) {
      assertThat(stats.get(i).asDouble()).isCloseTo(want.get(i).asDouble(), within(1e-12));
    }
  }

  @Test
  void boxesStayTheDefault() throws Exception {
    String gt = parity("cases/segm_bbox_field.gt.json").toString();
    String dt = parity("cases/segm_bbox_field.dt.json").toString();
    CommandRun boxes = CommandRun.of("eval", "--gt", gt, "--dt", dt);
    CommandRun masks = CommandRun.of("eval", "--gt", gt, "--dt", dt, "--iou-type", "segm");
    assertThat(boxes.code()).isZero();
    assertThat(masks.code()).isZero();
    assertThat(masks.out().lines()).hasSize(12);
    assertThat(masks.out()).isNotEqualTo(boxes.out());
    assertThat(CommandRun.of("eval", "--gt", gt, "--dt", dt, "--iou-type", "bbox").out())
        .isEqualTo(boxes.out());
  }

  @Test
  void unknownIouTypeIsAUsageError() throws Exception {
    CommandRun r = CommandRun.of("eval", "--iou-type", "keypoints", "--gt", "a.json", "--dt", "b.json");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--iou-type must be bbox or segm");
  }

  @Test
  void malformedSegmentationNamesFileAnnotationAndField() throws Exception {
    Path gt = tmp.resolve("gt.json");
    Files.writeString(gt, """
        {"images": [{"id": 1, "height": 10, "width": 12}],
         "categories": [{"id": 1, "name": "a"}],
         "annotations": [
           {"id": 5, "image_id": 1, "category_id": 1, "bbox": [0, 0, 4, 4], "area": 9,
            "iscrowd": 0, "segmentation": [[0, 0, 4, 0, 4, 4]]},
           {"id": 6, "image_id": 1, "category_id": 1, "bbox": [0, 0, 4, 4], "area": 9,
            "iscrowd": 1, "segmentation": {"size": [10, 12], "counts": [100, 30]}}]}
        """);
    Path dt = tmp.resolve("dt.json");
    Files.writeString(dt, "[{\"image_id\": 1, \"category_id\": 1, \"score\": 0.5,"
        + " \"segmentation\": {\"size\": [10, 12], \"counts\": \"" + "0" + "\"}}]");
    CommandRun r = CommandRun.of("eval", "--iou-type", "segm", "--gt", gt.toString(), "--dt", dt.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains(gt.toString()).contains("annotations[1] (id 6)")
        .contains("'segmentation.counts'").contains("sum to 130").contains("120 pixels");

    Files.writeString(gt, Files.readString(gt).replace("[100, 30]", "[100, 20]")
        .replace("\"size\": [10, 12]", "\"size\": [12, 10]"));
    r = CommandRun.of("eval", "--iou-type", "segm", "--gt", gt.toString(), "--dt", dt.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("annotations[1] (id 6)").contains("RLE size [12, 10]")
        .contains("image's [10, 12]");

    Files.writeString(gt, Files.readString(gt).replace("\"size\": [12, 10]", "\"size\": [10, 12]"));
    r = CommandRun.of("eval", "--iou-type", "segm", "--gt", gt.toString(), "--dt", dt.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains(dt.toString()).contains("results[0] (image_id 1)")
        .contains("'segmentation.counts'");

    Files.writeString(dt, "[{\"image_id\": 1, \"category_id\": 1, \"score\": 0.5,"
        + " \"segmentation\": [[1, 1, 5, 1, 5, 5]]}]");
    r = CommandRun.of("eval", "--iou-type", "segm", "--json", "--gt", gt.toString(), "--dt", dt.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(new ObjectMapper().readTree(r.out()).get("AP").asDouble()).isBetween(0.0, 1.0);
  }
}

package jdetr.eval.panoptic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import jdetr.data.CocoFormatException;
import jdetr.data.PanopticPng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rules and refusals of {@link PanopticQuality} on hand-made 4x2 images. */
class PanopticQualityTest {
  @TempDir Path tmp;

  private static final String THINGS_ONLY = "[{\"id\":1,\"name\":\"a\",\"isthing\":1}]";

  /** Writes gt.json + gt/1.png and pred.json + pred/1.png; ids are row-major over 4x2. */
  private void write(String categories, int[] gtIds, String gtSegments, int[] predIds,
      String predSegments) throws Exception {
    Files.createDirectories(tmp.resolve("gt"));
    Files.createDirectories(tmp.resolve("pred"));
    Files.write(tmp.resolve("gt/1.png"), new PanopticPng(4, 2, gtIds).encode());
    Files.write(tmp.resolve("pred/1.png"), new PanopticPng(4, 2, predIds).encode());
    Files.writeString(tmp.resolve("gt.json"), "{\"categories\":" + categories
        + ",\"annotations\":[{\"image_id\":1,\"file_name\":\"1.png\",\"segments_info\":"
        + gtSegments + "}]}");
    Files.writeString(tmp.resolve("pred.json"), "{\"annotations\":[{\"image_id\":1,"
        + "\"file_name\":\"1.png\",\"segments_info\":" + predSegments + "}]}");
  }

  private PanopticResult compute() throws Exception {
    return PanopticQuality.compute(tmp.resolve("gt.json"), tmp.resolve("gt"),
        tmp.resolve("pred.json"), tmp.resolve("pred"), 1);
  }

  @Test
  void voidIsLeftOutOfTheUnionAndMostlyVoidPredictionsAreNoFalsePositives() throws Exception {
    // gt: segment 5 on 3 pixels, the rest VOID; pred 9 covers 5's 3 pixels + 2 VOID pixels
    // (IoU 3 / (5 + 3 - 3 - 2) = 1), pred 11 lies on 3 VOID pixels
    write(THINGS_ONLY, new int[] {5, 5, 5, 0, 0, 0, 0, 0},
        "[{\"id\":5,\"category_id\":1,\"iscrowd\":0,\"area\":3}]",
        new int[] {9, 9, 9, 9, 9, 11, 11, 11},
        "[{\"id\":9,\"category_id\":1},{\"id\":11,\"category_id\":1}]");
    PanopticResult r = compute();
    assertThat(r.things().pq()).isEqualTo(1.0);
    assertThat(r.things().n()).isEqualTo(1);
    // no stuff category: panopticapi divides by zero, we report NaN (null in JSON)
    assertThat(r.stuff().n()).isZero();
    assertThat(r.stuff().pq()).isNaN();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    r.writeJson(out);
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("\"Stuff\":{\"pq\":null,\"sq\":null,\"rq\":null,\"n\":0}");
    assertThat(r.tableLines().get(4)).isEqualTo("Stuff     |   nan    nan    nan     0");
  }

  @Test
  void crowdsNeverMatchAndHideThePredictionsOnThem() throws Exception {
    // gt: crowd 3 (4 px), segment 4 (4 px); pred 7 on the crowd (same category): ignored;
    // pred 8 matches 4 exactly
    write(THINGS_ONLY, new int[] {3, 3, 3, 3, 4, 4, 4, 4},
        "[{\"id\":3,\"category_id\":1,\"iscrowd\":1,\"area\":4},"
            + "{\"id\":4,\"category_id\":1,\"iscrowd\":0,\"area\":4}]",
        new int[] {7, 7, 7, 7, 8, 8, 8, 8},
        "[{\"id\":7,\"category_id\":1},{\"id\":8,\"category_id\":1}]");
    PanopticResult r = compute();
    assertThat(r.all().pq()).isEqualTo(1.0);
    assertThat(r.perClass().get(1).rq()).isEqualTo(1.0);
  }

  @Test
  void anIouOfExactlyOneHalfIsNoMatch() throws Exception {
    // gt 1 on pixels 0-3 and gt 6 on 4-7; pred 2 on 0-5, pred 9 on 6-7
    write(THINGS_ONLY, new int[] {1, 1, 1, 1, 6, 6, 6, 6},
        "[{\"id\":1,\"category_id\":1,\"iscrowd\":0,\"area\":4},"
            + "{\"id\":6,\"category_id\":1,\"iscrowd\":0,\"area\":4}]",
        new int[] {2, 2, 2, 2, 2, 2, 9, 9},
        "[{\"id\":2,\"category_id\":1},{\"id\":9,\"category_id\":1}]");
    // pred 2: 6 px, gt 1 overlap 4: IoU 4/6 match; pred 9: 2 px on gt 6 (4 px): IoU 2/4 = 0.5
    PanopticResult r = compute();
    assertThat(r.all().rq()).isEqualTo(1 / (1 + 0.5 + 0.5));
    assertThat(r.all().sq()).isEqualTo(4.0 / 6);
  }

  @Test
  void refusesDuplicateSegmentIdsAndImagesWithoutPrediction() throws Exception {
    write(THINGS_ONLY, new int[] {1, 1, 1, 1, 1, 1, 1, 1},
        "[{\"id\":1,\"category_id\":1,\"iscrowd\":0,\"area\":8}]",
        new int[] {2, 2, 2, 2, 2, 2, 2, 2},
        "[{\"id\":2,\"category_id\":1},{\"id\":2,\"category_id\":1}]");
    assertThatThrownBy(this::compute).isInstanceOf(CocoFormatException.class)
        .hasMessageContaining("pred.json").hasMessageContaining("segment id 2 appears twice");
    Files.writeString(tmp.resolve("pred.json"), "{\"annotations\":[]}");
    assertThatThrownBy(this::compute).isInstanceOf(CocoFormatException.class)
        .hasMessageContaining("no prediction for the image with id 1");
  }

  @Test
  void refusesMalformedJsonAndFieldsOfTheWrongType() throws Exception {
    write(THINGS_ONLY, new int[] {1, 1, 1, 1, 1, 1, 1, 1},
        "[{\"id\":1,\"category_id\":1,\"iscrowd\":0,\"area\":8}]",
        new int[] {2, 2, 2, 2, 2, 2, 2, 2}, "[{\"id\":2,\"category_id\":1}]");
    Files.writeString(tmp.resolve("pred.json"), "{\"annotations\":[{\"image_id\":\"x\"}]}");
    assertThatThrownBy(this::compute).isInstanceOf(CocoFormatException.class)
        .hasMessageContaining("pred.json: annotations[0]: image_id must be an integer, got \"x\"");
    Files.writeString(tmp.resolve("pred.json"), "{\"annotations\":[{\"image_id\":1,\n]}");
    assertThatThrownBy(this::compute).isInstanceOf(CocoFormatException.class)
        .hasMessageContaining("pred.json:2:").hasMessageContaining("malformed JSON");
    Files.writeString(tmp.resolve("gt.json"), "{\"annotations\":[]}");
    assertThatThrownBy(this::compute).isInstanceOf(CocoFormatException.class)
        .hasMessageContaining("gt.json: categories must be an array, it is missing");
  }

  @Test
  void refusesAGroundTruthSegmentZero() throws Exception {
    write(THINGS_ONLY, new int[] {1, 1, 1, 1, 0, 0, 0, 0},
        "[{\"id\":1,\"category_id\":1,\"iscrowd\":0,\"area\":4},"
            + "{\"id\":0,\"category_id\":1,\"iscrowd\":0,\"area\":4}]",
        new int[] {0, 0, 0, 0, 0, 0, 0, 0}, "[{\"id\":0,\"category_id\":1}]");
    assertThatThrownBy(this::compute).isInstanceOf(CocoFormatException.class)
        .hasMessageContaining("gt.json").hasMessageContaining("segments_info[1]")
        .hasMessageContaining("id 0 is VOID");
  }

  @Test
  void refusesGroundTruthSegmentsMissingFromTheirPngAndMissingFiles() throws Exception {
    write(THINGS_ONLY, new int[] {1, 1, 1, 1, 1, 1, 1, 1},
        "[{\"id\":1,\"category_id\":1,\"iscrowd\":0,\"area\":8},"
            + "{\"id\":77,\"category_id\":1,\"iscrowd\":0,\"area\":3}]",
        new int[] {2, 2, 2, 2, 2, 2, 2, 2}, "[{\"id\":2,\"category_id\":1}]");
    assertThatThrownBy(this::compute).isInstanceOf(CocoFormatException.class)
        .hasMessageContaining("ground truth segment IDs [77]")
        .hasMessageContaining(tmp.resolve("gt").resolve("1.png").toString());
    Files.delete(tmp.resolve("pred/1.png"));
    assertThatThrownBy(this::compute).isInstanceOf(FileNotFoundException.class)
        .hasMessageContaining(tmp.resolve("pred").resolve("1.png").toString());
    assertThatThrownBy(() -> PanopticQuality.compute(tmp.resolve("gt.json"), tmp.resolve("nope"),
        tmp.resolve("pred.json"), tmp.resolve("pred"), 1))
        .isInstanceOf(FileNotFoundException.class).hasMessageContaining("nope");
  }

  @Test
  void refusesFileNamesOutsideTheFolderAndPngsOfAnotherSize() throws Exception {
    write(THINGS_ONLY, new int[] {1, 1, 1, 1, 1, 1, 1, 1},
        "[{\"id\":1,\"category_id\":1,\"iscrowd\":0,\"area\":8}]",
        new int[] {2, 2, 2, 2, 2, 2, 2, 2}, "[{\"id\":2,\"category_id\":1}]");
    Files.write(tmp.resolve("pred/1.png"), new PanopticPng(2, 4, new int[8]).encode());
    assertThatThrownBy(this::compute).isInstanceOf(CocoFormatException.class)
        .hasMessageContaining("is 2x4, the ground truth");
    Files.writeString(tmp.resolve("pred.json"), "{\"annotations\":[{\"image_id\":1,"
        + "\"file_name\":\"../gt/1.png\",\"segments_info\":[]}]}");
    assertThatThrownBy(this::compute).isInstanceOf(CocoFormatException.class)
        .hasMessageContaining("../gt/1.png").hasMessageContaining("not a file inside");
  }
}

package jdetr.eval.panoptic;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jdetr.data.PanopticAnnotationFile;
import jdetr.data.PanopticPng;
import jdetr.eval.panoptic.PostProcessPanoptic.Prediction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Post-processed predictions written, read back and evaluated. */
class PanopticPredictionsWriterTest {
  @TempDir Path tmp;

  @Test
  void writtenPredictionsReadBackAndScorePerfectAgainstTheirGroundTruth() throws Exception {
    // query 0 class 1 (thing) on the left, query 1 class 2 (stuff) on the right, query 2 no object
    float[] logits = {0, 9, 0, 0, 0, 0, 9, 0, 0, 0, 0, 9};
    float[] masks = {5, -5, 5, -5, -5, 5, -5, 5, 0, 0, 0, 0};
    Prediction p = new PostProcessPanoptic(Map.of(1, true, 2, false), 0.85f)
        .apply(logits, masks, 1, 3, 4, 2, 2, new int[][] {{4, 4}}, new int[][] {{6, 8}}).get(0);
    PanopticPredictionsWriter writer = new PanopticPredictionsWriter(tmp.resolve("pred"));
    writer.add(42, p);
    Path json = writer.finish();

    PanopticAnnotationFile read = PanopticAnnotationFile.read(json, false);
    assertThat(read.annotations()).hasSize(1);
    assertThat(read.annotations().get(0).imageId()).isEqualTo(42);
    assertThat(read.annotations().get(0).fileName()).isEqualTo("000000000042.png");
    assertThat(read.annotations().get(0).segments()).extracting(s -> s.categoryId())
        .containsExactly(1, 2);
    PanopticPng png = PanopticPng.read(tmp.resolve("pred/000000000042.png"));
    assertThat(png.ids()).isEqualTo(p.png().ids());

    // a ground truth of the same halves (ids 1 and 2; 0 is VOID there): PQ 1
    int[] halves = new int[48];
    for (int i = 0; i < 48; i++) {
      halves[i] = i % 8 < 4 ? 1 : 2;
    }
    Files.createDirectories(tmp.resolve("gt"));
    Files.write(tmp.resolve("gt/000000000042.png"), new PanopticPng(8, 6, halves).encode());
    Files.writeString(tmp.resolve("gt.json"), "{\"categories\":[{\"id\":1,\"isthing\":1},"
        + "{\"id\":2,\"isthing\":0}],\"annotations\":[{\"image_id\":42,\"file_name\":"
        + "\"000000000042.png\",\"segments_info\":[{\"id\":1,\"category_id\":1,\"iscrowd\":0,"
        + "\"area\":24},{\"id\":2,\"category_id\":2,\"iscrowd\":0,\"area\":24}]}]}");
    PanopticResult r = PanopticQuality.compute(tmp.resolve("gt.json"), tmp.resolve("gt"), json,
        tmp.resolve("pred"), 1);
    assertThat(List.of(r.all().pq(), r.things().pq(), r.stuff().pq())).containsOnly(1.0);
  }
}

package jdetr.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import jdetr.eval.panoptic.PanopticQuality;
import jdetr.eval.panoptic.PanopticResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The synthetic panoptic dataset reads back through CocoPanopticReader and scores PQ 1 on itself. */
class SyntheticPanopticTest {
  private static final SynthConfig CONFIG = new SynthConfig(2, 3, 96, 7, 3, "jpg", 0, 0, 2, 5);

  @Test
  void readsBackExactlyAndItsGroundTruthHasPq1AgainstItself(@TempDir Path root) throws Exception {
    SyntheticPanoptic.Summary summary = SyntheticPanoptic.write(root, CONFIG, false);
    assertThat(summary.trainImages()).isEqualTo(2);
    assertThat(summary.valImages()).isEqualTo(3);

    int segments = 0;
    for (String split : new String[] {"train", "val"}) {
      CocoPanopticReader reader = CocoPanopticReader.open(
          CocoPanopticReader.Layout.coco2017(root, root, split));
      assertThat(reader.categories()).extracting(PanopticAnnotationFile.Category::id)
          .containsExactly(1, 2, 3, SyntheticPanoptic.SKY, SyntheticPanoptic.GROUND);
      assertThat(reader.categories()).filteredOn(c -> !c.isThing())
          .extracting(PanopticAnnotationFile.Category::name).containsExactly("sky", "ground");
      JsonNode json = new ObjectMapper().readTree(root.resolve("annotations")
          .resolve("panoptic_" + split + "2017.json").toFile());
      for (int i = 0; i < reader.size(); i++) {
        // the reader refuses PNG ids missing from segments_info and listed segments without pixels
        PanopticTarget t = reader.target(i);
        SyntheticShapes.Scene scene = SyntheticShapes.scene(CONFIG, split.equals("train") ? 0 : 1, i);
        assertThat(t.width()).isEqualTo(scene.width());
        assertThat(t.height()).isEqualTo(scene.height());
        Set<Integer> labels = new HashSet<>();
        for (int label : t.labels()) {
          labels.add(label);
        }
        assertThat(labels).contains(SyntheticPanoptic.SKY, SyntheticPanoptic.GROUND);
        assertThat(t.size()).isGreaterThan(2);
        // areas and boxes in the JSON are the PNG's own
        JsonNode info = json.get("annotations").get(i).get("segments_info");
        int[] ids = t.png().ids();
        for (int k = 0; k < t.size(); k++) {
          long id = t.segmentIds()[k];
          long area = 0;
          for (int v : ids) {
            area += v == id ? 1 : 0;
          }
          assertThat(t.area()[k]).as("area of segment %d", id).isEqualTo(area);
          JsonNode bbox = info.get(k).get("bbox");
          assertThat(t.boxes()[4 * k]).isEqualTo(bbox.get(0).asInt());
          assertThat(t.boxes()[4 * k + 3]).isEqualTo(bbox.get(1).asInt() + bbox.get(3).asInt() - 1);
          assertThat(id / 1000).isEqualTo(t.labels()[k]);
        }
        // the sky is above the ground: the top-left pixel is sky or a shape, never ground
        assertThat(ids[0] / 1000).isNotEqualTo(SyntheticPanoptic.GROUND);
        assertThat(ids[ids.length - 1] / 1000).isNotEqualTo(SyntheticPanoptic.SKY);
        segments += t.size();
      }
    }
    assertThat(segments).isEqualTo(summary.segments());

    Path gt = root.resolve("annotations").resolve("panoptic_val2017.json");
    Path pngs = root.resolve("panoptic_val2017");
    PanopticResult pq = PanopticQuality.compute(gt, pngs, gt, pngs, 1);
    assertThat(pq.all().pq()).isEqualTo(1.0);
    assertThat(pq.stuff().n()).isEqualTo(2);
    assertThat(pq.things().pq()).isEqualTo(1.0);
    assertThat(pq.stuff().pq()).isEqualTo(1.0);
  }

  @Test
  void sameSeedSameBytesAndRefusals(@TempDir Path dir) throws Exception {
    SyntheticPanoptic.write(dir.resolve("a"), CONFIG, false);
    SyntheticPanoptic.write(dir.resolve("b"), CONFIG, false);
    for (String f : new String[] {"annotations/panoptic_val2017.json",
        "panoptic_val2017/000000000002.png"}) {
      assertThat(Files.readAllBytes(dir.resolve("a").resolve(f)))
          .isEqualTo(Files.readAllBytes(dir.resolve("b").resolve(f)));
    }
    assertThatThrownBy(() -> SyntheticPanoptic.write(dir.resolve("a"), CONFIG, false))
        .hasMessageContaining("panoptic_train2017.json exists").hasMessageContaining("--force");
    SynthConfig png = new SynthConfig(1, 1, 96, 7, 3, "png", 0, 0, 1, 2);
    assertThatThrownBy(() -> SyntheticPanoptic.write(dir.resolve("c"), png, false))
        .hasMessageContaining("JPEG");
  }
}

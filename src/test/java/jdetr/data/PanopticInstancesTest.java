package jdetr.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import jdetr.data.transforms.AugmentationConfig;
import jdetr.data.transforms.ValTransform;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A COCO panoptic split opened for training: its targets are CocoPanopticReader's. */
class PanopticInstancesTest {
  private static final SynthConfig CONFIG = new SynthConfig(2, 3, 96, 7, 3, "jpg", 0, 0, 2, 5);
  private static final AugmentationConfig D = AugmentationConfig.DETR;
  /** val_size 96 on 96x96 images: the val transform keeps the size. */
  private static final AugmentationConfig SAME_SIZE = new AugmentationConfig(List.of(96), 96,
      List.of(64), 32, 64, D.flipProbability(), D.resizeOnlyProbability(), 96, D.mean(), D.std());

  @Test
  void targetsAreTheReadersAfterTheValTransform(@TempDir Path root) throws Exception {
    SyntheticPanoptic.write(root, CONFIG, false);
    CocoPaths paths = PanopticInstances.open(root, "val");
    assertThat(paths.annotations()).isRegularFile()
        .isEqualTo(root.resolve("annotations/panoptic_val2017" + PanopticInstances.SUFFIX));
    CocoDataset dataset = CocoDataset.open(paths);
    assertThat(dataset.panoptic()).isTrue();
    assertThat(dataset.masks()).isTrue();
    assertThat(dataset.numClasses()).isEqualTo(SyntheticPanoptic.NUM_CLASSES);
    CocoPanopticReader reader = CocoPanopticReader.open(
        CocoPanopticReader.Layout.coco2017(root, root, "val"));
    assertThat(dataset.size()).isEqualTo(reader.size()).isEqualTo(3);
    ValTransform val = new ValTransform(SAME_SIZE);
    ImageDecoder decoder = new ImageDecoder(ImageLimits.DEFAULT);
    int segments = 0;
    for (int i = 0; i < reader.size(); i++) {
      PanopticTarget expected = reader.target(i);
      Sample sample = val.apply(dataset.load(i, decoder));
      Target t = sample.target();
      int n = expected.size(), h = expected.height(), w = expected.width();
      segments += n;
      assertThat(sample.height()).isEqualTo(h);
      assertThat(sample.width()).isEqualTo(w);
      assertThat(t.imageId()).isEqualTo(expected.imageId());
      assertThat(dataset.imageFile(i)).isEqualTo(expected.image());
      assertThat(t.labels()).containsExactly(expected.labels());
      assertThat(t.iscrowd()).hasSize(n).containsOnly(false);
      assertThat(t.masks().count()).isEqualTo(n);
      assertThat(t.masks().pixels()).isEqualTo(expected.masks());
      assertThat(t.origHeight()).isEqualTo(h);
      assertThat(t.origWidth()).isEqualTo(w);
      float[] b = expected.boxes(); // xyxy pixels; the target's are cxcywh over the image size
      for (int k = 0; k < n; k++) {
        assertThat(t.area()[k]).isEqualTo((float) expected.area()[k]);
        assertThat(t.boxes()[4 * k]).isCloseTo((b[4 * k] + b[4 * k + 2]) / 2 / w,
            Offset.offset(1e-6f));
        assertThat(t.boxes()[4 * k + 1]).isCloseTo((b[4 * k + 1] + b[4 * k + 3]) / 2 / h,
            Offset.offset(1e-6f));
        assertThat(t.boxes()[4 * k + 2]).isCloseTo((b[4 * k + 2] - b[4 * k]) / w,
            Offset.offset(1e-6f));
        assertThat(t.boxes()[4 * k + 3]).isCloseTo((b[4 * k + 3] - b[4 * k + 1]) / h,
            Offset.offset(1e-6f));
      }
    }
    // the instances view holds one annotation per segment, stuff included
    assertThat(dataset.groundTruth().annotations().size()).isEqualTo(segments);
  }

  @Test
  void refusesALayoutWithoutItsFilesNamingTheMissingOne(@TempDir Path root) throws Exception {
    SyntheticPanoptic.write(root, CONFIG, false);
    Path pngs = root.resolve("panoptic_val2017");
    try (Stream<Path> files = Files.walk(pngs)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    }
    assertThatThrownBy(() -> PanopticInstances.open(root, "val"))
        .isInstanceOf(FileNotFoundException.class).hasMessageContaining(pngs.toString());
    Path json = root.resolve("annotations/panoptic_train2017.json");
    Files.delete(json);
    assertThatThrownBy(() -> PanopticInstances.open(root, "train"))
        .isInstanceOf(FileNotFoundException.class).hasMessageContaining(json.toString());
    // a COCO instances root is not a panoptic one
    Path instances = root.resolve("instances");
    SyntheticDataset.write(instances, CONFIG, false);
    assertThatThrownBy(() -> PanopticInstances.open(instances, "train"))
        .isInstanceOf(FileNotFoundException.class)
        .hasMessageContaining(instances.resolve("annotations/panoptic_train2017.json").toString());
  }

  @Test
  void aStaleInstancesViewIsDerivedAgain(@TempDir Path root) throws Exception {
    SyntheticPanoptic.write(root, CONFIG, false);
    Path derived = PanopticInstances.open(root, "train").annotations();
    Files.writeString(derived, "{}");
    Files.setLastModifiedTime(derived, java.nio.file.attribute.FileTime.fromMillis(0));
    PanopticInstances.open(root, "train");
    assertThat(Files.readString(derived)).contains("\"segmentation\"");
  }
}

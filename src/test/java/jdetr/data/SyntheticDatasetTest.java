package jdetr.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import jdetr.data.transforms.AugmentationConfig;
import jdetr.data.transforms.TrainTransform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticDatasetTest {
  @TempDir Path dir;

  private static final SynthConfig SMALL = new SynthConfig(6, 3, 64, 5, 3, "jpg", 0, 0, 1, 6);

  private static List<Path> files(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  @Test
  void writesAValidCocoDatasetDeterministically() throws IOException {
    Path a = dir.resolve("a"), b = dir.resolve("b");
    SyntheticDataset.Summary summary = SyntheticDataset.write(a, SMALL, false);
    SyntheticDataset.write(b, SMALL, false);
    assertThat(summary.objects()).isPositive();
    List<Path> fa = files(a), fb = files(b);
    assertThat(fa).hasSize(6 + 3 + 2);
    for (int i = 0; i < fa.size(); i++) {
      assertThat(a.relativize(fa.get(i))).isEqualTo(b.relativize(fb.get(i)));
      assertThat(Files.readAllBytes(fa.get(i))).isEqualTo(Files.readAllBytes(fb.get(i)));
    }
    for (String split : new String[] {"train", "val"}) {
      CocoDataset ds = CocoDataset.open(CocoPaths.resolve(a, split));
      ValidationReport report = DatasetValidation.validate(ds, ValidationOptions.DEFAULT);
      assertThat(report.findings()).isEmpty();
      assertThat(ds.numClasses()).isEqualTo(4);
      assertThat(ds.categoryNames().values()).containsExactly("ellipse", "rectangle", "triangle");
    }
    SyntheticDataset.write(dir.resolve("c"), new SynthConfig(6, 3, 64, 6, 3, "jpg", 0, 0, 1, 6), false);
    assertThat(Files.readAllBytes(dir.resolve("c/train2017/000000000001.jpg")))
        .isNotEqualTo(Files.readAllBytes(a.resolve("train2017/000000000001.jpg")));
    assertThatThrownBy(() -> SyntheticDataset.write(a, SMALL, false)).hasMessageContaining("--force");
    assertThat(files(a).stream().filter(p -> p.toString().endsWith(".tmp"))).isEmpty();
  }

  @Test
  void oneClassModeForFineTuning() throws IOException {
    SyntheticDataset.write(dir, new SynthConfig(4, 2, 48, 1, 1, "png", 0, 0, 2, 4), false);
    CocoDataset ds = CocoDataset.open(CocoPaths.resolve(dir, "train"));
    assertThat(ds.categoryNames()).containsExactly(java.util.Map.entry(1, "ellipse"));
    assertThat(ds.numClasses()).isEqualTo(2);
    assertThat(ds.groundTruth().annotations().categoryIds()).containsOnly(1);
  }

  @Test
  void everyShapeStaysInsideItsBoxAndRectanglesFillIt() {
    for (int i = 0; i < 40; i++) {
      SyntheticShapes.Scene s = SyntheticShapes.scene(
          new SynthConfig(1, 0, 96, i, 5, "png", 0, 0, 1, 1), 0, i);
      assertThat(s.objects()).hasSize(1);
      SyntheticShapes.SceneObject o = s.objects().get(0);
      BufferedImage with = SyntheticShapes.render(s);
      BufferedImage without = SyntheticShapes.render(
          new SyntheticShapes.Scene(s.width(), s.height(), s.background(), List.of()));
      int changed = 0;
      for (int y = 0; y < s.height(); y++) {
        for (int x = 0; x < s.width(); x++) {
          if (with.getRGB(x, y) == without.getRGB(x, y)) continue;
          changed++;
          assertThat(x).as(o + " x").isBetween(o.x(), o.x() + o.w() - 1);
          assertThat(y).as(o + " y").isBetween(o.y(), o.y() + o.h() - 1);
        }
      }
      assertThat(changed).isPositive();
      if (o.kind() == ShapeKind.RECTANGLE) {
        assertThat(with.getRGB(o.x(), o.y()) & 0xffffff).isEqualTo(o.rgb());
        assertThat(with.getRGB(o.x() + o.w() - 1, o.y() + o.h() - 1) & 0xffffff).isEqualTo(o.rgb());
      }
    }
  }

  @Test
  void dataStageEndToEnd() throws IOException {
    SyntheticDataset.write(dir, SMALL, false);
    CocoDataset ds = CocoDataset.open(CocoPaths.resolve(dir, "train"));
    DatasetValidation.check(ds, ValidationOptions.DEFAULT.strictly(true));
    ImageDecoder decoder = new ImageDecoder(ImageLimits.DEFAULT);
    TrainTransform train = new TrainTransform(AugmentationConfig.DETR.scaled(0.1));
    Sample s0 = train.apply(ds.load(0, decoder), 1, 0, 0);
    Sample s1 = train.apply(ds.load(1, decoder), 1, 0, 1);
    Batch batch = Collate.of(List.of(s0, s1));
    Batch back = BatchCodec.decode(BatchCodec.encode(batch));
    assertThat(java.util.Arrays.equals(back.pixels(), batch.pixels())).isTrue();
    assertThat(back.targets().get(1).labels()).containsExactly(s1.target().labels());
    assertThat(s0.target().imageId()).isEqualTo(1);
  }
}

package jdetr.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import jdetr.mask.Rle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The synthetic shapes' instance masks agree with the pixels drawn: the inside of each mask (its
 * pixels whose 8 neighbours are in it too) is painted in the object's colour, its box lies inside
 * the object's box, and the masks in the annotation file are these masks, as a dataset opened
 * with masks reads them.
 */
class SyntheticMasksTest {
  private static final SynthConfig CONFIG = new SynthConfig(6, 2, 96, 11, 5, "png", 0, 0, 2, 6);

  @TempDir Path root;

  @Test
  void masksAreTheVisiblePixelsEachShapeIsDrawnWith() {
    int objects = 0;
    for (int index = 0; index < CONFIG.train(); index++) {
      SyntheticShapes.Scene scene = SyntheticShapes.scene(CONFIG, 0, index);
      BufferedImage image = SyntheticShapes.render(scene);
      InstanceMasks masks = SyntheticShapes.masks(scene);
      int w = scene.width(), h = scene.height();
      assertThat(new int[] {masks.count(), masks.height(), masks.width()})
          .containsExactly(scene.objects().size(), h, w);
      for (int k = 0; k < masks.count(); k++) {
        SyntheticShapes.SceneObject o = scene.objects().get(k);
        int inside = 0, painted = 0;
        byte[] m = masks.pixels();
        for (int y = 1; y < h - 1; y++) {
          for (int x = 1; x < w - 1; x++) {
            boolean interior = true;
            for (int dy = -1; dy <= 1 && interior; dy++) {
              for (int dx = -1; dx <= 1; dx++) {
                if (m[(k * h + y + dy) * w + x + dx] == 0) {
                  interior = false;
                  break;
                }
              }
            }
            if (!interior) continue;
            inside++;
            if ((image.getRGB(x, y) & 0xffffff) == o.rgb()) painted++;
          }
        }
        assertThat(inside).as("object %d of image %d has an inside", k, index).isPositive();
        assertThat(painted).as("inside pixels in the object's colour").isEqualTo(inside);
        double[] box = masks.rle(k).toBbox(); // x, y, w, h
        assertThat(box[0]).isGreaterThanOrEqualTo(o.x());
        assertThat(box[1]).isGreaterThanOrEqualTo(o.y());
        assertThat(box[0] + box[2]).isLessThanOrEqualTo(o.x() + o.w());
        assertThat(box[1] + box[3]).isLessThanOrEqualTo(o.y() + o.h());
        assertThat(masks.area(k)).isEqualTo(masks.rle(k).area())
            .isLessThanOrEqualTo((long) o.w() * o.h());
        objects++;
      }
      for (int p = 0; p < w * h; p++) { // each pixel belongs to one object at most
        int owners = 0;
        for (int k = 0; k < masks.count(); k++) owners += masks.pixels()[k * w * h + p];
        assertThat(owners).isLessThanOrEqualTo(1);
      }
    }
    assertThat(objects).isGreaterThan(15);
  }

  @Test
  void theAnnotationFileCarriesTheMasksAsCompressedRle() throws Exception {
    SyntheticDataset.write(root, CONFIG, false);
    CocoDataset dataset = CocoDataset.open(CocoPaths.resolve(root, "train")).withMasks(true);
    assertThat(DatasetValidation.validate(dataset, ValidationOptions.DEFAULT).findings()).isEmpty();
    for (int index = 0; index < CONFIG.train(); index++) {
      SyntheticShapes.Scene scene = SyntheticShapes.scene(CONFIG, 0, index);
      PixelTarget t = dataset.target(index, scene.width(), scene.height());
      assertThat(t.masks()).isEqualTo(SyntheticShapes.masks(scene));
      Rle first = t.masks().rle(0);
      assertThat(first.area()).isPositive();
    }
  }
}

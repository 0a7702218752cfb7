package jdetr.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import jdetr.data.CocoPanopticReader.Layout;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link CocoPanopticReader} on a generated two-image dataset in the COCO panoptic layout. */
class CocoPanopticReaderTest {
  @TempDir Path root;
  private Layout layout;

  private static final int W = 8, H = 6;
  private static final int SKY = 0x00aa11, CAR = 0x123456, CROWD = 0x030201;

  @BeforeEach
  void writeDataset() throws Exception {
    layout = Layout.coco2017(root.resolve("coco"), root.resolve("panoptic"), "val");
    Files.createDirectories(layout.segmentations());
    Files.createDirectories(layout.images());
    Files.createDirectories(layout.annotations().getParent());
    // image 7: sky everywhere, a car at x 2..4, y 1..3, a crowd at x 6..7, y 5; VOID at (0, 5)
    int[] ids = new int[W * H];
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        ids[y * W + x] = x >= 2 && x <= 4 && y >= 1 && y <= 3 ? CAR
            : x >= 6 && y == 5 ? CROWD : x == 0 && y == 5 ? 0 : SKY;
      }
    }
    Files.write(layout.segmentations().resolve("000000000007.png"), new PanopticPng(W, H, ids).encode());
    // image 3 (listed second in images, first by id): one sky segment
    int[] sky = new int[W * H];
    java.util.Arrays.fill(sky, SKY);
    Files.write(layout.segmentations().resolve("000000000003.png"), new PanopticPng(W, H, sky).encode());
    for (String name : new String[] {"000000000003.jpg", "000000000007.jpg"}) {
      ImageIO.write(new BufferedImage(W, H, BufferedImage.TYPE_3BYTE_BGR), "jpg",
          layout.images().resolve(name).toFile());
    }
    writeJson("{\"id\":" + CAR + ",\"category_id\":3,\"iscrowd\":0,\"area\":9,\"bbox\":[2,1,3,3]}");
  }

  private void writeJson(String carSegment) throws Exception {
    Files.writeString(layout.annotations(), "{\"images\":["
        + "{\"id\":7,\"file_name\":\"000000000007.jpg\",\"width\":8,\"height\":6},"
        + "{\"id\":3,\"file_name\":\"000000000003.jpg\",\"width\":8,\"height\":6}],"
        + "\"categories\":[{\"id\":3,\"name\":\"car\",\"isthing\":1},"
        + "{\"id\":187,\"name\":\"sky\",\"isthing\":0}],"
        + "\"annotations\":["
        + "{\"image_id\":3,\"file_name\":\"000000000003.png\",\"segments_info\":["
        + "{\"id\":" + SKY + ",\"category_id\":187,\"iscrowd\":0,\"area\":48}]},"
        + "{\"image_id\":7,\"file_name\":\"000000000007.png\",\"segments_info\":["
        + "{\"id\":" + SKY + ",\"category_id\":187,\"iscrowd\":0,\"area\":36},"
        + carSegment + ","
        + "{\"id\":" + CROWD + ",\"category_id\":3,\"iscrowd\":1,\"area\":2}]}]}");
  }

  @Test
  void targetsAreTheReferences() throws Exception {
    CocoPanopticReader reader = CocoPanopticReader.open(layout);
    assertThat(reader.size()).isEqualTo(2);
    PanopticTarget t = reader.target(1);
    assertThat(t.imageId()).isEqualTo(7);
    assertThat(t.image()).isEqualTo(layout.images().resolve("000000000007.jpg").toAbsolutePath());
    assertThat(t.height()).isEqualTo(H);
    assertThat(t.width()).isEqualTo(W);
    assertThat(t.labels()).containsExactly(187, 3, 3);
    assertThat(t.iscrowd()).containsExactly(0, 0, 1);
    assertThat(t.area()).containsExactly(36, 9, 2);
    // masks_to_boxes: inclusive first/last column and row; the sky spans the whole image
    assertThat(t.boxes()).containsExactly(0, 0, 7, 5, 2, 1, 4, 3, 6, 5, 7, 5);
    byte[] masks = t.masks();
    assertThat(masks).hasSize(3 * W * H);
    assertThat(masks[W * H + 1 * W + 2]).isEqualTo((byte) 1); // car at (2, 1)
    assertThat(masks[5 * W]).isZero(); // VOID at (0, 5) is in no mask
    int car = 0;
    for (int p = 0; p < W * H; p++) {
      car += masks[W * H + p];
      assertThat(masks[p] + masks[W * H + p] + masks[2 * W * H + p]).isLessThanOrEqualTo(1);
    }
    assertThat(car).isEqualTo(9);
    assertThat(reader.target(0).labels()).containsExactly(187);
  }

  @Test
  void refusesDisagreementsBetweenPngJsonAndImage() throws Exception {
    writeJson("{\"id\":4242,\"category_id\":3,\"iscrowd\":0,\"area\":9}");
    CocoPanopticReader reader = CocoPanopticReader.open(layout);
    assertThatThrownBy(() -> reader.target(1)).isInstanceOf(CocoFormatException.class)
        .hasMessageContaining("segment ids [" + CAR + "]").hasMessageContaining("000000000007.png");

    writeJson("{\"id\":" + CAR + ",\"category_id\":99,\"iscrowd\":0,\"area\":9}");
    assertThatThrownBy(() -> CocoPanopticReader.open(layout).target(1))
        .isInstanceOf(CocoFormatException.class)
        .hasMessageContaining("segment " + CAR + ": unknown category_id 99");

    writeJson("{\"id\":" + CAR + ",\"category_id\":3,\"iscrowd\":0,\"area\":9},"
        + "{\"id\":77,\"category_id\":3,\"iscrowd\":0,\"area\":1}");
    assertThatThrownBy(() -> CocoPanopticReader.open(layout).target(1))
        .isInstanceOf(CocoFormatException.class).hasMessageContaining("segments [77]")
        .hasMessageContaining("cover no pixel");

    writeJson("{\"id\":" + CAR + ",\"category_id\":3,\"iscrowd\":0,\"area\":9}");
    Files.write(layout.segmentations().resolve("000000000003.png"),
        new PanopticPng(4, 4, new int[16]).encode());
    assertThatThrownBy(() -> CocoPanopticReader.open(layout).target(0))
        .isInstanceOf(CocoFormatException.class).hasMessageContaining("is 4x4 but");

    Files.delete(layout.images().resolve("000000000007.jpg"));
    assertThatThrownBy(() -> CocoPanopticReader.open(layout).target(1))
        .isInstanceOf(FileNotFoundException.class).hasMessageContaining("000000000007.jpg");
  }

  @Test
  void refusesAnnotationsOutOfTheImagesOrder() throws Exception {
    String json = Files.readString(layout.annotations());
    // annotations listed as 7 then 3 while images sorted by id are 3 then 7
    int split = json.indexOf("{\"image_id\":7");
    String first = json.substring(json.indexOf("{\"image_id\":3"), split - 1);
    String second = json.substring(split, json.length() - 2);
    Files.writeString(layout.annotations(), json.substring(0, json.indexOf("{\"image_id\":3"))
        + second + "," + first + "]}");
    assertThatThrownBy(() -> CocoPanopticReader.open(layout))
        .isInstanceOf(CocoFormatException.class)
        .hasMessageContaining("annotations[0] (000000000007.png) is not for the image 0 by id");
  }
}

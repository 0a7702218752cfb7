package jdetr.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CocoAnnotationReaderTest {
  @TempDir Path dir;

  private Path write(String json) throws IOException {
    Path file = dir.resolve("instances.json");
    Files.writeString(file, json);
    return file;
  }

  @Test
  void readsTablesAndIndexesLikePycocotools() throws IOException {
    Path file = write("""
        {"info": {"year": 2017, "nested": [1, {"a": [2, 3]}]},
         "licenses": [{"id": 1, "name": "x"}],
         "images": [
           {"id": 42, "file_name": "b.jpg", "width": 640, "height": 480, "license": 1},
           {"id": 7, "file_name": "a.jpg", "width": 320.0, "height": 200}],
         "annotations": [
           {"id": 900100000001, "image_id": 42, "category_id": 18, "bbox": [1.5, 2, 30.25, 40],
            "area": 1210.0, "iscrowd": 1, "segmentation": {"counts": [1, 2, 3], "size": [480, 640]}},
           {"id": 2, "image_id": 7, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100,
            "segmentation": [[0, 0, 10, 0, 10, 10]]},
           {"id": 3, "image_id": 42, "category_id": 90, "bbox": [5, 6, 7, 8], "area": 56, "iscrowd": 0}],
         "categories": [{"id": 90, "name": "toothbrush", "supercategory": "indoor"},
                        {"id": 1, "name": "person"}, {"id": 18, "name": "dog"}]}
        """);
    CocoAnnotationFile gt = CocoAnnotationReader.read(file);

    assertThat(gt.images().size()).isEqualTo(2);
    assertThat(gt.images().widths()).containsExactly(640, 320);
    assertThat(gt.images().defects()).containsOnly(0);
    CocoAnnotations a = gt.annotations();
    assertThat(a.ids()).containsExactly(900100000001L, 2, 3);
    assertThat(a.bboxes()).containsExactly(1.5, 2, 30.25, 40, 0, 0, 10, 10, 5, 6, 7, 8);
    assertThat(a.crowd()).containsExactly(true, false, false);
    assertThat(a.defects()).containsOnly(0);

    // dataset order = ascending image ids; annotations of an image in file order
    assertThat(gt.imageCount()).isEqualTo(2);
    assertThat(gt.imageId(0)).isEqualTo(7);
    assertThat(gt.images().fileNames()[gt.imagePosition(0)]).isEqualTo("a.jpg");
    assertThat(gt.annotationsOf(0)).containsExactly(1);
    assertThat(gt.annotationsOf(1)).containsExactly(0, 2);
    assertThat(gt.indexOfImage(42)).isEqualTo(1);
    assertThat(gt.indexOfImage(5)).isEqualTo(-1);

    assertThat(gt.numClasses()).isEqualTo(91);
    assertThat(gt.categoryNames()).containsExactly(
        java.util.Map.entry(1, "person"), java.util.Map.entry(18, "dog"),
        java.util.Map.entry(90, "toothbrush"));
  }

  @Test
  void flagsMissingAndMalformedFieldsInsteadOfFailing() throws IOException {
    Path file = write("""
        {"images": [{"id": "x", "file_name": "", "width": 10}, 5],
         "annotations": [{"id": 1, "image_id": 1, "bbox": [1, 2, 3]},
                         {"id": 2.5, "image_id": 1, "category_id": 1, "bbox": [NaN, 0, 1, 1],
                          "area": 1, "iscrowd": 2}],
         "categories": [{"id": 1}]}
        """);
    CocoAnnotationFile gt = CocoAnnotationReader.read(file);
    assertThat(gt.images().defects()[0]).isEqualTo(
        (byte) (CocoImages.MISSING_ID | CocoImages.MISSING_FILE_NAME | CocoImages.MISSING_HEIGHT));
    assertThat(gt.images().defects()[1] & CocoImages.NOT_AN_OBJECT).isNotZero();
    assertThat(gt.annotations().defects()[0]).isEqualTo((byte) (CocoAnnotations.MISSING_CATEGORY_ID
        | CocoAnnotations.MISSING_BBOX | CocoAnnotations.MISSING_AREA));
    assertThat(gt.annotations().defects()[1])
        .isEqualTo((byte) (CocoAnnotations.MISSING_ID | CocoAnnotations.BAD_ISCROWD));
    assertThat(gt.annotations().bboxes()[4]).isNaN();
    assertThat(gt.categories().defects()[0]).isEqualTo(CocoCategories.MISSING_NAME);
    assertThat(gt.imageCount()).isZero();

    // the first malformed value of each field is described; absent fields are only flagged
    assertThat(gt.firstMalformed("images", "id")).contains(new CocoAnnotationFile.Malformed(0,
        "field 'id' must be an integer, got the string \"x\" (line 1)"));
    assertThat(gt.firstMalformed("images", CocoAnnotationFile.ENTRY)).contains(
        new CocoAnnotationFile.Malformed(1, "expected an object, got 5 (line 1)"));
    assertThat(gt.firstMalformed("annotations", "bbox")).contains(
        new CocoAnnotationFile.Malformed(0, "field 'bbox' has 3 numbers, expected 4 [x, y, w, h] (line 2)"));
    assertThat(gt.firstMalformed("annotations", "id").orElseThrow().problem())
        .startsWith("field 'id' must be an integer, got 2.5");
    assertThat(gt.firstMalformed("images", "height")).isEmpty();
    assertThat(gt.firstMalformed("annotations", "area")).isEmpty();
  }

  @Test
  void refusesBrokenJsonNamingFileLineAndColumn() throws IOException {
    Path file = write("{\"images\": [\n  {\"id\": 1,, }]}");
    assertThatThrownBy(() -> CocoAnnotationReader.read(file))
        .isInstanceOf(CocoFormatException.class)
        .hasMessageStartingWith(file + ":2:").hasMessageContaining("malformed JSON");
    Path notArray = write("{\"images\": {\"id\": 1}}");
    assertThatThrownBy(() -> CocoAnnotationReader.read(notArray))
        .hasMessageContaining("\"images\" must be an array");
    assertThatThrownBy(() -> CocoAnnotationReader.read(dir.resolve("nope.json")))
        .isInstanceOf(FileNotFoundException.class)
        .hasMessageContaining("nope.json");
  }

  @Test
  void streamsALargeFileIntoCompactTables() throws IOException {
    Path file = dir.resolve("big.json");
    int images = 2_000, perImage = 25;
    try (var w = Files.newBufferedWriter(file)) {
      w.write("{\"images\": [");
      for (int i = 0; i < images; i++) {
        w.write((i > 0 ? "," : "") + "{\"id\":" + (images - i) + ",\"file_name\":\"" + i
            + ".jpg\",\"width\":640,\"height\":480}");
      }
      w.write("], \"annotations\": [");
      for (int k = 0; k < images * perImage; k++) {
        w.write((k > 0 ? "," : "") + "{\"id\":" + k + ",\"image_id\":" + (k % images + 1)
            + ",\"category_id\":" + (k % 80 + 1) + ",\"bbox\":[1.25,2,30,40],\"area\":1200,"
            + "\"segmentation\":[[1,2,3,4,5,6,7,8,9,10]],\"iscrowd\":0}");
      }
      w.write("], \"categories\": [{\"id\": 80, \"name\": \"c\"}]}");
    }
    CocoAnnotationFile gt = CocoAnnotationReader.read(file);
    assertThat(gt.annotations().size()).isEqualTo(images * perImage);
    assertThat(gt.imageCount()).isEqualTo(images);
    for (int i = 0; i < images; i++) {
      int[] anns = gt.annotationsOf(i);
      assertThat(anns).hasSize(perImage);
      for (int a : anns) assertThat(gt.annotations().imageIds()[a]).isEqualTo(gt.imageId(i));
    }
  }
}

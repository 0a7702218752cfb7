package jdetr.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jdetr.data.CocoFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroundTruthSetTest {
  @TempDir Path dir;

  private Path file(String name, String json) throws IOException {
    return Files.writeString(dir.resolve(name), json);
  }

  private static final String IMAGES_CATS =
      "\"images\":[{\"id\":1,\"file_name\":\"a.jpg\",\"width\":9},{\"id\":2}],"
          + "\"categories\":[{\"id\":3,\"name\":\"cat\",\"supercategory\":\"animal\"}]";

  private static String annotation(String fields) {
    return "{" + IMAGES_CATS + ",\"annotations\":[{\"id\":7,\"image_id\":1,\"category_id\":3,"
        + "\"bbox\":[1,2,3,4],\"area\":1},{" + fields + "}]}";
  }

  @Test
  void readsOnlyWhatEvaluationNeeds() throws IOException {
    Path gt = file("gt.json", "{\"info\":{\"year\":2017,\"x\":[1,{\"a\":2}]}," + IMAGES_CATS
        + ",\"annotations\":[{\"id\":7,\"image_id\":1,\"category_id\":3,\"bbox\":[1,2.5,3,4],"
        + "\"area\":10.25,\"iscrowd\":1,\"ignore\":0,\"segmentation\":{\"counts\":[1,2],\"size\":[3,4]}},"
        + "{\"id\":8.0,\"image_id\":2,\"category_id\":3,\"bbox\":[0,0,1,1],\"area\":1}]}");
    GroundTruthSet set = GroundTruthSet.read(gt);
    assertThat(set.imageIds()).containsExactly(1L, 2L);
    assertThat(set.categories()).containsExactly(new CocoCategory(3, "cat"));
    assertThat(set.annotations()).containsExactly(
        new CocoGroundTruth(7, 1, 3, 1, 2.5, 3, 4, 10.25, true, false),
        new CocoGroundTruth(8, 2, 3, 0, 0, 1, 1, 1, false, false)); // iscrowd absent: 0
  }

  @Test
  void lenientWhereEvaluationDoesNotCare() throws IOException {
    Path gt = file("gt.json", "{\"images\":[{\"id\":1,\"width\":\"wide\"}],"
        + "\"categories\":[{\"id\":3,\"name\":null}],"
        + "\"annotations\":[{\"id\":7,\"image_id\":1,\"category_id\":3,\"bbox\":[1,2,3,4],"
        + "\"area\":1,\"iscrowd\":2},{\"id\":8,\"image_id\":1,\"category_id\":3,"
        + "\"bbox\":[1,2,3,4],\"area\":1,\"iscrowd\":false}]}");
    GroundTruthSet set = GroundTruthSet.read(gt);
    assertThat(set.categories()).containsExactly(new CocoCategory(3, "3"));
    assertThat(set.annotations()).extracting(CocoGroundTruth::iscrowd).containsExactly(true, false);
  }

  @Test
  void missingFieldsNameTheEntryAndItsId() throws IOException {
    Path gt = file("gt.json", "{" + IMAGES_CATS + ",\"annotations\":[{\"id\":7,\"image_id\":1,"
        + "\"category_id\":3,\"bbox\":[1,2,3,4],\"area\":1},{\"id\":9,\"image_id\":1,"
        + "\"category_id\":3,\"bbox\":[1,2,3,4]}]}");
    assertThatThrownBy(() -> GroundTruthSet.read(gt))
        .isInstanceOf(CocoFormatException.class)
        .hasMessageContaining("gt.json")
        .hasMessageContaining("annotations[1] (id 9): missing field 'area'");
  }

  @Test
  void badValuesAreNamedWithTheirLine() throws IOException {
    List<String[]> cases = List.of(
        new String[] {annotation("\"id\":9,\"image_id\":\"1\",\"category_id\":3,\"bbox\":[1,2,3,4],\"area\":1"),
            "annotations[1] (id 9): field 'image_id' must be an integer, got the string \"1\" (line 1)"},
        new String[] {annotation("\"id\":9,\"image_id\":1,\"category_id\":3,\"bbox\":[1,2,3],\"area\":1"),
            "annotations[1] (id 9): field 'bbox' has 3 numbers, expected 4 [x, y, w, h]"},
        new String[] {annotation("\"id\":9,\"image_id\":1,\"category_id\":3,\"bbox\":[1,2,3,4],\"area\":null"),
            "annotations[1] (id 9): field 'area' must be a number, got null"},
        new String[] {annotation("\"id\":9,\"image_id\":1,\"category_id\":3,\"bbox\":[1,NaN,3,4],\"area\":1"),
            "annotations[1] (id 9): field 'bbox[1]' is not a finite number: NaN"},
        new String[] {annotation("\"id\":9,\"image_id\":1,\"category_id\":3,\"bbox\":[1,2,3,4],\"area\":1,"
            + "\"iscrowd\":\"yes\""),
            "annotations[1] (id 9): field 'iscrowd' must be a number, got the string \"yes\""},
        new String[] {annotation("\"id\":1.5,\"image_id\":1,\"category_id\":3,\"bbox\":[1,2,3,4],\"area\":1"),
            "annotations[1]: field 'id' must be an integer, got 1.5"},
        new String[] {"{\"images\":[{\"id\":1},7],\"categories\":[]}", "images[1]: expected an object, got 7"},
        new String[] {"{\"images\":[{\"file_name\":\"a.jpg\"}],\"categories\":[]}",
            "images[0]: missing field 'id'"},
        new String[] {"{\"images\":[],\"categories\":[{\"name\":\"x\"}]}",
            "categories[0]: missing field 'id'"});
    for (int i = 0; i < cases.size(); i++) {
      String[] c = cases.get(i);
      Path gt = file("bad" + i + ".json", c[0]);
      assertThatThrownBy(() -> GroundTruthSet.read(gt)).as(c[0])
          .isInstanceOf(CocoFormatException.class)
          .hasMessageStartingWith(gt + ": ")
          .hasMessageContaining(c[1]);
    }
  }

  @Test
  void refusesAFileWithoutItsSections() throws IOException {
    Path noCategories = file("gt.json", "{\"images\":[],\"annotations\":[]}");
    assertThatThrownBy(() -> GroundTruthSet.read(noCategories))
        .hasMessageContaining("missing field 'categories'");
    Path listAtTop = file("gt2.json", "[]");
    assertThatThrownBy(() -> GroundTruthSet.read(listAtTop))
        .hasMessageContaining("expected a JSON object");
  }
}

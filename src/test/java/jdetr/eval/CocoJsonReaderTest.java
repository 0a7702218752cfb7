package jdetr.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CocoJsonReaderTest {
  @TempDir Path dir;

  private Path file(String name, String json) throws IOException {
    return Files.writeString(dir.resolve(name), json);
  }

  private static final String IMAGES_CATS =
      "\"images\":[{\"id\":1,\"file_name\":\"a.jpg\",\"width\":9},{\"id\":2}],"
          + "\"categories\":[{\"id\":3,\"name\":\"cat\",\"supercategory\":\"animal\"}]";

  @Test
  void readsOnlyWhatEvaluationNeeds() throws IOException {
    Path gt = file("gt.json", "{\"info\":{\"year\":2017,\"x\":[1,{\"a\":2}]}," + IMAGES_CATS
        + ",\"annotations\":[{\"id\":7,\"image_id\":1,\"category_id\":3,\"bbox\":[1,2.5,3,4],"
        + "\"area\":10.25,\"iscrowd\":1,\"ignore\":0,\"segmentation\":{\"counts\":[1,2],\"size\":[3,4]}},"
        + "{\"id\":8.0,\"image_id\":2,\"category_id\":3,\"bbox\":[0,0,1,1],\"area\":1}]}");
    GroundTruthSet set = CocoJsonReader.readGroundTruth(gt);
    assertThat(set.imageIds()).containsExactly(1L, 2L);
    assertThat(set.categories()).containsExactly(new CocoCategory(3, "cat"));
    assertThat(set.annotations()).containsExactly(
        new CocoGroundTruth(7, 1, 3, 1, 2.5, 3, 4, 10.25, true, false),
        new CocoGroundTruth(8, 2, 3, 0, 0, 1, 1, 1, false, false)); // iscrowd absent: 0

    Path dt = file("dt.json", "[{\"image_id\":1,\"category_id\":3,\"bbox\":[1,2,3,4],\"score\":0.5,"
        + "\"segmentation\":[[1,2,3]]}]");
    assertThat(CocoJsonReader.readResults(dt)).containsExactly(new CocoResult(1, 3, 1, 2, 3, 4, 0.5));
    assertThat(CocoJsonReader.readResults(file("empty.json", "[]"))).isEmpty();
  }

  @Test
  void missingFieldsNameTheEntryAndItsId() throws IOException {
    Path gt = file("gt.json", "{" + IMAGES_CATS + ",\"annotations\":[{\"id\":7,\"image_id\":1,"
        + "\"category_id\":3,\"bbox\":[1,2,3,4],\"area\":1},{\"id\":9,\"image_id\":1,"
        + "\"category_id\":3,\"bbox\":[1,2,3,4]}]}");
    assertThatThrownBy(() -> CocoJsonReader.readGroundTruth(gt))
        .isInstanceOf(CocoFormatException.class)
        .hasMessageContaining("gt.json")
        .hasMessageContaining("annotations[1] (id 9): missing field 'area'");

    Path dt = file("dt.json", "[{\"image_id\":1,\"category_id\":3,\"bbox\":[1,2,3,4],\"score\":1},"
        + "{\"image_id\":5,\"category_id\":3,\"bbox\":[1,2,3,4]}]");
    assertThatThrownBy(() -> CocoJsonReader.readResults(dt))
        .hasMessageContaining("dt.json")
        .hasMessageContaining("results[1] (image_id 5): missing field 'score'");
  }

  @Test
  void badValuesAreNamed() throws IOException {
    List<String[]> cases = List.of(
        new String[] {"[{\"image_id\":1,\"category_id\":3,\"bbox\":[1,2,3],\"score\":1}]",
            "results[0] (image_id 1): field 'bbox' has 3 numbers"},
        new String[] {"[{\"image_id\":\"1\",\"category_id\":3,\"bbox\":[1,2,3,4],\"score\":1}]",
            "results[0]: field 'image_id' must be an integer, got the string \"1\""},
        new String[] {"[{\"image_id\":1.5,\"category_id\":3,\"bbox\":[1,2,3,4],\"score\":1}]",
            "field 'image_id' must be an integer, got 1.5"},
        new String[] {"[{\"image_id\":1,\"category_id\":3,\"bbox\":[1,2,3,4],\"score\":null}]",
            "field 'score' must be a number, got null"},
        new String[] {"{\"image_id\":1}", "expected a JSON array"},
        new String[] {"[{\"image_id\":1,\"category_id\":3,\"bbox\":[1,2,3,4],\"score\":1}",
            "malformed JSON"},
        new String[] {"[7]", "results[0]: expected an object, got 7"});
    for (String[] c : cases) {
      Path dt = file("bad.json", c[0]);
      assertThatThrownBy(() -> CocoJsonReader.readResults(dt)).as(c[0])
          .isInstanceOf(CocoFormatException.class)
          .hasMessageContaining("bad.json")
          .hasMessageContaining(c[1]);
    }
    Path noCategories = file("gt.json", "{\"images\":[],\"annotations\":[]}");
    assertThatThrownBy(() -> CocoJsonReader.readGroundTruth(noCategories))
        .hasMessageContaining("missing field 'categories'");
    Path listAtTop = file("gt2.json", "[]");
    assertThatThrownBy(() -> CocoJsonReader.readGroundTruth(listAtTop))
        .hasMessageContaining("expected a JSON object");
  }

  @Test
  void writtenFilesReadBackUnchanged() throws IOException {
    SyntheticEvalSet set = SyntheticEvalSet.generate(7, 30, 20, 5);
    assertThat(SyntheticEvalSet.generate(7, 30, 20, 5)).isEqualTo(set);
    assertThat(set.results()).hasSize(600);
    Path gt = dir.resolve("gt.json");
    Path dt = dir.resolve("dt.json");
    CocoJsonWriter.writeGroundTruth(set.groundTruth(), gt);
    CocoJsonWriter.writeResults(set.results(), dt);
    assertThat(CocoJsonReader.readGroundTruth(gt)).isEqualTo(set.groundTruth());
    assertThat(CocoJsonReader.readResults(dt)).isEqualTo(set.results());
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("gt.json", "dt.json");
    }
  }
}

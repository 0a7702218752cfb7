package jdetr.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jdetr.bench.SyntheticEvalSet;
import jdetr.data.CocoFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CocoResultsReaderTest {
  @TempDir Path dir;

  private Path file(String name, String json) throws IOException {
    return Files.writeString(dir.resolve(name), json);
  }

  @Test
  void readsOnlyWhatEvaluationNeeds() throws IOException {
    Path dt = file("dt.json", "[{\"image_id\":1,\"category_id\":3,\"bbox\":[1,2,3,4],\"score\":0.5,"
        + "\"segmentation\":[[1,2,3]]}]");
    assertThat(CocoResultsReader.read(dt)).containsExactly(new CocoResult(1, 3, 1, 2, 3, 4, 0.5));
    assertThat(CocoResultsReader.read(file("empty.json", "[]"))).isEmpty();
  }

  @Test
  void missingFieldsNameTheEntryAndItsId() throws IOException {
    Path dt = file("dt.json", "[{\"image_id\":1,\"category_id\":3,\"bbox\":[1,2,3,4],\"score\":1},"
        + "{\"image_id\":5,\"category_id\":3,\"bbox\":[1,2,3,4]}]");
    assertThatThrownBy(() -> CocoResultsReader.read(dt))
        .isInstanceOf(CocoFormatException.class)
        .hasMessageContaining("dt.json")
        .hasMessageContaining("results[1] (image_id 5): missing field 'score'");
    assertThatThrownBy(() -> CocoResultsReader.read(dir.resolve("absent.json")))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith(dir.resolve("absent.json") + ": cannot read: ");
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
      assertThatThrownBy(() -> CocoResultsReader.read(dt)).as(c[0])
          .isInstanceOf(CocoFormatException.class)
          .hasMessageContaining("bad.json")
          .hasMessageContaining(c[1]);
    }
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
    assertThat(GroundTruthSet.read(gt)).isEqualTo(set.groundTruth());
    assertThat(CocoResultsReader.read(dt)).isEqualTo(set.results());
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("gt.json", "dt.json");
    }
  }
}

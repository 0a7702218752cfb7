package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataCommandsTest {
  @TempDir Path dir;

  @Test
  void synthThenValidate() throws Exception {
    Path data = dir.resolve("shapes");
    CommandRun synth = CommandRun.of("synth", "--out", data.toString(), "--train", "5", "--val", "2", "--size", "64");
    assertThat(synth.code()).isZero();
    assertThat(synth.out()).contains("\"train\":5", "\"num_classes\":4");
    assertThat(Files.list(data.resolve("train2017"))).hasSize(5);

    CommandRun ok = CommandRun.of("validate", "--data", data.toString(), "--strict");
    assertThat(ok.code()).isZero();
    assertThat(ok.out()).contains("no findings", "num_classes 4", "1=ellipse", "PASS");

    Files.delete(data.resolve("val2017/000000000002.jpg"));
    CommandRun missing = CommandRun.of("validate", "--data", data.toString(), "--split", "val");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.out()).contains("ERROR F1 image-missing: 1", "2 (000000000002.jpg): missing", "FAIL");

    CommandRun again = CommandRun.of("synth", "--out", data.toString(), "--train", "1", "--val", "1");
    assertThat(again.code()).isEqualTo(2);
    assertThat(again.err()).contains("already holds a dataset");
    assertThat(CommandRun.of("synth", "--out", dir.resolve("x").toString(), "--classes", "9").err())
        .contains("classes must be 1..5");
  }
}

package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DataCommandsTest {
  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    PrintStream out = System.out, err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int code = new CommandLine(new Main()).execute(args);
      return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  @Test
  void synthThenValidate() throws Exception {
    Path data = dir.resolve("shapes");
    Run synth = run("synth", "--out", data.toString(), "--train", "5", "--val", "2", "--size", "64");
    assertThat(synth.code()).isZero();
    assertThat(synth.out()).contains("\"train\":5", "\"num_classes\":4");
    assertThat(Files.list(data.resolve("train2017"))).hasSize(5);

    Run ok = run("validate", "--data", data.toString(), "--strict");
    assertThat(ok.code()).isZero();
    assertThat(ok.out()).contains("no findings", "num_classes 4", "1=ellipse", "PASS");

    Files.delete(data.resolve("val2017/000000000002.jpg"));
    Run missing = run("validate", "--data", data.toString(), "--split", "val");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.out()).contains("ERROR F1 image-missing: 1", "2 (000000000002.jpg): missing", "FAIL");

    Run again = run("synth", "--out", data.toString(), "--train", "1", "--val", "1");
    assertThat(again.code()).isEqualTo(2);
    assertThat(again.err()).contains("already holds a dataset");
    assertThat(run("synth", "--out", dir.resolve("x").toString(), "--classes", "9").err())
        .contains("classes must be 1..5");
  }
}

package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** `jdetr import --pth FILE [--list]` on the generated fixtures. */
class ImportCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  @Test
  void listsNameDtypeAndShapeOfEveryModelTensor() throws Exception {
    assertThat(run("import", "--pth", fixture("valid/state_zip.pth"), "--list")).isEqualTo(0);
    String[] lines = out.toString().split("\n");
    assertThat(lines).hasSize(17);
    assertThat(lines[0]).matches("backbone\\.conv\\.weight +float32 +\\[4, 3, 3, 3\\]");
    assertThat(lines[1]).matches("backbone\\.bn\\.num_batches_tracked +int64 +\\[\\]");
    assertThat(lines[2]).matches("head\\.weight_half +float16 +\\[5, 4\\]");
    assertThat(lines[5]).matches("proj\\.weight_t +float32 +\\[5, 3\\]");
  }

  @Test
  void summarisesATrainingCheckpointAndReadsItsTensors() throws Exception {
    assertThat(run("import", "--pth", fixture("valid/train_legacy.pth"))).isEqualTo(0);
    assertThat(out.toString())
        .contains("legacy format")
        .contains("  model: dict of 7 entries (7 tensors)")
        .contains("  epoch: 4")
        .containsPattern("  args: argparse\\.Namespace with \\d+ attributes \\(kept as values, not run\\)")
        .contains("read 7 tensors, 17 values");
  }

  @Test
  void refusesAHostileFileWithExitCodeTwo() throws Exception {
    assertThat(run("import", "--pth", fixture("hostile/global_os_system.pth"))).isEqualTo(2);
    assertThat(err.toString()).contains("jdetr import: refused: ").contains("global os.system");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void namesAMissingFile() {
    assertThat(run("import", "--pth", "/nonexistent/detr.pth")).isEqualTo(1);
    assertThat(err.toString()).contains("no such file: /nonexistent/detr.pth");
  }

  private static String fixture(String relative) throws URISyntaxException {
    return Path.of(ImportCommandTest.class.getResource("/parity/pth/" + relative).toURI())
        .toString();
  }
}

package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code jdetr node} refuses a bad recipe or role before it joins any cluster. */
class NodeCommandTest {

  private static String[] run(String... args) {
    PrintStream err = System.err;
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int code = new CommandLine(new Main()).execute(args);
      return new String[] {Integer.toString(code), e.toString(StandardCharsets.UTF_8)};
    } finally {
      System.setErr(err);
    }
  }

  @Test
  void badArgumentsAreRefusedBeforeJoining() {
    String[] noRecipe = run("node", "--role", "data", "--set", "lr=1e-3");
    assertThat(noRecipe[0]).isEqualTo("2");
    assertThat(noRecipe[1]).contains("--set and --resume need a RECIPE");

    String[] badKey = run("node", "--role", "trainer", "conf/shapes-demo.json", "--set", "lr_typo=1");
    assertThat(badKey[0]).isEqualTo("2");
    assertThat(badKey[1]).contains("unknown recipe key", "lr_typo");

    String[] badRole = run("node", "--role", "painter");
    assertThat(badRole[0]).isEqualTo("2");
    assertThat(badRole[1]).contains("unknown role 'painter'");
  }
}

package jdetr.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import jdetr.data.CocoAnnotationReader;
import jdetr.data.CocoFormatException;
import jdetr.eval.CocoResultsReader;
import jdetr.testing.ChildJvm;
import jdetr.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every JSON the program reads is held to {@link JsonLimits}: a file over a limit is refused at
 * that value, naming the file, the line and column and the JSON path.
 */
class JsonLimitsTest {
  @TempDir Path dir;

  private static String nested(int depth) {
    return "[".repeat(depth) + "]".repeat(depth);
  }

  @Test
  void annotationsNestedTooDeepAreRefusedWithFileAndPath() throws IOException {
    Path file = Files.writeString(dir.resolve("instances_train2017.json"),
        "{\"images\": [{\"id\": 1, \"file_name\": \"1.jpg\", \"width\": 4, \"height\": 4,"
            + " \"extra\": " + nested(100) + "}], \"annotations\": [], \"categories\": []}");
    assertThatThrownBy(() -> CocoAnnotationReader.read(file))
        .isInstanceOf(CocoFormatException.class)
        .hasMessageStartingWith(file + ": line 1, column ")
        .hasMessageContaining("at /images/0/extra/0/0/")
        .hasMessageContaining("over the JSON limits")
        .hasMessageContaining("nesting depth");
  }

  @Test
  void aResultsNumberWithTooManyDigitsIsRefused() throws IOException {
    Path file = Files.writeString(dir.resolve("dt.json"), "[{\"image_id\": 1, \"category_id\": 1,"
        + " \"bbox\": [1, 2, 3, 4], \"score\": 0." + "9".repeat(500) + "}]");
    assertThatThrownBy(() -> CocoResultsReader.read(file))
        .isInstanceOf(CocoFormatException.class)
        .hasMessageStartingWith(file + ": line 1, column ")
        .hasMessageContaining("at /0/score")
        .hasMessageContaining("Number value length");
  }

  @Test
  void aRecipeOverTheLimitsNamesItsFile() throws IOException {
    Path recipe = Files.writeString(dir.resolve("recipe.json"),
        "{\"model\": {\"name\": \"" + "x".repeat(JsonLimits.MAX_STRING + 1) + "\"}}");
    assertThatThrownBy(() -> TrainConfig.load(recipe, List.of()))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith(recipe + ": line 1, column ")
        .hasMessageContaining("at /model/name")
        .hasMessageContaining("String value length");
  }

  @Test
  void theCommandLineHoldsVertxJsonToTheLimitsToo() throws Exception {
    Path descriptors = Files.createDirectories(dir.resolve("verticles"));
    Files.writeString(descriptors.resolve("30-matcher.json"), "{\"name\": \"matcher\", \"roles\": "
        + nested(JsonLimits.MAX_DEPTH + 1) + "}");
    try (ChildJvm node = ChildJvm.start("json-limits-node", Path.of("target", "child-logs"),
        List.of(), "jdetr.cli.Main", List.of("node", "--role", "matcher", "--verticles",
            descriptors.toString()))) {
      assertThat(node.awaitExit(Duration.ofSeconds(120))).isEqualTo(2);
      assertThat(node.stderrTail()).contains("30-matcher.json").contains("nesting depth");
    }
  }
}

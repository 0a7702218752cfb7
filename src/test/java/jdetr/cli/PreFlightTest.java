package jdetr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import jdetr.data.SynthConfig;
import jdetr.data.SyntheticDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Bad data never reaches a training step: {@code train} and {@code node --role data|trainer}
 * check the recipe's splits first and stop with exit code 2, one line per broken rule with its
 * count and first ids or files, no stack trace, nothing under the output directory.
 */
class PreFlightTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private record Run(int code, String err) {}

  private static Run run(String... args) {
    PrintStream oldErr = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = new CommandLine(new Main()).execute(args);
      return new Run(code, err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(oldErr);
    }
  }

  /** A generated dataset with an unknown category, a negative width and a missing image. */
  private Path brokenRecipe() throws Exception {
    Path data = dir.resolve("shapes");
    SyntheticDataset.write(data, new SynthConfig(6, 2, 48, 3, 2, "jpg", 0, 0, 1, 2), false);
    Path train = data.resolve("annotations/instances_train2017.json");
    ObjectNode root = (ObjectNode) JSON.readTree(train.toFile());
    ArrayNode annotations = root.withArray("annotations");
    ((ObjectNode) annotations.get(0)).put("category_id", 977);
    ((ArrayNode) annotations.get(1).get("bbox")).set(2, -4.0);
    JSON.writeValue(train.toFile(), root);
    String missing = root.withArray("images").get(2).get("file_name").asText();
    Files.delete(data.resolve("train2017").resolve(missing));
    Path recipe = dir.resolve("recipe.json");
    Files.writeString(recipe, """
        {"model": {"backbone": "resnet18", "hidden_dim": 32, "nheads": 4, "enc_layers": 1,
                   "dec_layers": 1, "dim_feedforward": 64, "num_queries": 6},
         "batch_size": 2, "epochs": 1, "data": {"root": "%s"}, "output_dir": "%s"}
        """.formatted(data, dir.resolve("run")));
    return recipe;
  }

  @Test
  void trainRefusesBadDataBeforeStepZero() throws Exception {
    Path recipe = brokenRecipe();
    Run r = run("train", recipe.toString(), "--sequential");
    assertThat(r.code()).as(r.err()).isEqualTo(2);
    assertThat(r.err())
        .contains("ERROR V9 unknown-category: 1 (")
        .contains("category 977")
        .contains("ERROR V19 negative-box-size: 1 (")
        .contains("ERROR F1 image-missing: 1 (")
        .contains("instances_train2017.json")
        .contains("--skip-validation")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
    assertThat(dir.resolve("run")).doesNotExist();
  }

  @Test
  void dataAndTrainerNodesRefuseBadDataBeforeJoining() throws Exception {
    Path recipe = brokenRecipe();
    for (String role : new String[] {"data", "trainer"}) {
      Run r = run("node", "--role", role, "--cluster", "conf/cluster.xml", recipe.toString());
      assertThat(r.code()).as(r.err()).isEqualTo(2);
      assertThat(r.err()).startsWith("jdetr node: dataset validation failed")
          .contains("ERROR V9 unknown-category").doesNotContain("\tat ");
    }
    assertThat(dir.resolve("run")).doesNotExist();
  }
}

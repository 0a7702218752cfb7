package jdetr.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jdetr.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MatcherBenchRunTest {

  @Test
  void printsJsonLinesWithRatiosToTheReference(@TempDir Path dir) throws Exception {
    Path ref = dir.resolve("ref.jsonl");
    Files.writeString(ref, String.join("\n",
        "{\"impl\":\"reference\",\"what\":\"step\",\"variant\":\"detr\",\"queries\":100,\"batch\":2,"
            + "\"targets\":3,\"threads\":1,\"msPerStep\":20.0,\"cpuMsPerStep\":10.0}",
        "{\"impl\":\"scipy\",\"what\":\"solve\",\"variant\":\"detr\",\"queries\":100,\"batch\":2,"
            + "\"targets\":3,\"threads\":1,\"msPerStep\":0.2,\"cpuMsPerStep\":0.1}",
        ""));
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream saved = System.out;
    int exit;
    try {
      System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
      exit = new CommandLine(new Main()).execute("bench", "matcher", "--queries", "100,300",
          "--batches", "2", "--targets", "3", "--layers", "2", "--min-seconds", "0",
          "--warmup-seconds", "0", "--threads", "2", "--reference", ref.toString());
    } finally {
      System.setOut(saved);
    }
    assertThat(exit).isZero();
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : buffer.toString(StandardCharsets.UTF_8).split("\n")) {
      lines.add(json.readTree(line));
    }
    // per Q: step on 1 thread, step on 2 threads, solver alone
    assertThat(lines).hasSize(6);
    assertThat(lines).extracting(n -> n.get("what").asText())
        .containsExactly("step", "step", "solve", "step", "step", "solve");
    assertThat(lines.get(0).get("threads").asInt()).isEqualTo(1);
    assertThat(lines.get(1).get("threads").asInt()).isEqualTo(2);
    assertThat(lines.get(0).get("cpuMsPerStep").asDouble()).isPositive();
    double speedup = 10.0 / lines.get(0).get("cpuMsPerStep").asDouble();
    assertThat(lines.get(0).get("speedupVsReference").asDouble())
        .isCloseTo(speedup, within(1e-3 * speedup));
    assertThat(lines.get(2).has("ratioToScipy")).isTrue();
    assertThat(lines.get(3).get("variant").asText()).isEqualTo("deformable");
    assertThat(lines.get(3).has("speedupVsReference")).isFalse();
  }
}

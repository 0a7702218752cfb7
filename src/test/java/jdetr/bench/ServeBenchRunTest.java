package jdetr.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jdetr.cli.Main;
import jdetr.serve.DetectorChoice;
import jdetr.serve.ServeConfig;
import jdetr.verticles.DetectionServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `jdetr bench serve`: rounds and ratios as JSON lines; a server with a token is benched with it. */
@Timeout(180)
class ServeBenchRunTest {

  private static final String TOKEN = "b3nch-t0ken";
  private static final String[] SMALL = {"--detector", "shapes-threshold", "--streams", "2", "--seconds", "1",
      "--width", "160", "--height", "120"};

  /** Exit code, stdout lines as JSON, stderr. */
  private record Run(int exit, List<JsonObject> lines, String err) {
    JsonObject first(String kind) {
      return lines.stream().filter(l -> kind.equals(l.getString("kind"))).findFirst().orElseThrow();
    }
  }

  private static Run bench(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream savedOut = System.out;
    PrintStream savedErr = System.err;
    int exit;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      List<String> all = new ArrayList<>(List.of("bench", "serve"));
      all.addAll(List.of(SMALL));
      all.addAll(List.of(args));
      exit = new CommandLine(new Main()).execute(all.toArray(String[]::new));
    } finally {
      System.setOut(savedOut);
      System.setErr(savedErr);
    }
    List<JsonObject> lines = new ArrayList<>();
    for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
      if (line.startsWith("{")) {
        lines.add(new JsonObject(line));
      }
    }
    return new Run(exit, lines, err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void roundsAlternateWithRawRoundsAndTheServerOfTheConfigIsBenchedWithItsToken() {
    Run run = bench("--rounds", "2", "--raw-seconds", "0.2", "--warmup-seconds", "1", "--set", "token=" + TOKEN);
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.lines()).extracting(l -> l.getString("kind"))
        .containsExactly("bench", "served", "raw", "served", "raw", "served", "raw", "raw", "raw", "ratio");
    assertThat(run.lines().get(1).getInteger("round")).as("the warm-up round").isZero();
    JsonObject served = run.first("served");
    assertThat(served.getLong("processed")).isPositive();
    assertThat(served.getLong("errors")).isZero();
    assertThat(served.getBoolean("balanced")).isTrue();
    assertThat(served.getDouble("server_cpu_s")).isPositive();
    JsonObject ratio = run.first("ratio");
    assertThat(ratio.getJsonArray("rounds_wall")).hasSize(2);
    assertThat(ratio.getDouble("served_over_model")).isPositive();
    assertThat(ratio.getDouble("served_over_model_cpu")).isPositive();
    assertThat(ratio.getDouble("served_over_model_cpu_without_jit")).isPositive();
  }

  @Test
  void aRunningServerWithATokenIsBenchedWithTokenOrTokenFileAndRefusedWithout(@TempDir Path dir) throws Exception {
    ServeConfig config = ServeConfig.defaults().withSetting("host", "127.0.0.1").withSetting("port", "0")
        .withSetting("token", TOKEN);
    try (DetectionServer server = DetectionServer.start(config, DetectorChoice.shapesThreshold())) {
      server.loaded().get();
      String port = Integer.toString(server.port());
      Run without = bench("--port", port);
      assertThat(without.exit()).isNotZero();
      assertThat(without.err()).contains("HTTP 401").contains("--token").doesNotContain(TOKEN);

      Run with = bench("--port", port, "--token", TOKEN);
      assertThat(with.exit()).as(with.err()).isZero();
      assertThat(with.first("served").getLong("processed")).isPositive();
      assertThat(with.first("served").getLong("stream_failures")).isZero();

      Path file = dir.resolve("token");
      Files.writeString(file, TOKEN + "\n");
      Run fromFile = bench("--port", port, "--token-file", file.toString());
      assertThat(fromFile.exit()).as(fromFile.err()).isZero();
      assertThat(fromFile.first("served").getLong("processed")).isPositive();

      Run wrong = bench("--port", port, "--token", "nope");
      assertThat(wrong.exit()).isNotZero();
      assertThat(wrong.err()).contains("HTTP 401").contains("wrong token");
    }
  }
}

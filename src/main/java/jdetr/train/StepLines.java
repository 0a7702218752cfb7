package jdetr.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import jdetr.engine.StepMetrics;
import jdetr.io.AtomicFiles;

/**
 * The run's {@code steps.jsonl}: one line per optimisation step ({@code step}, {@code epoch},
 * {@code epoch_step}, {@code seconds} and the step's logged values: {@code loss}, the weighted and
 * unscaled terms, {@code lr} …), appended as the run goes. A resumed run first drops the lines of
 * the steps after its checkpoint (and a line torn by a crash), so the file lists every step once.
 * Used by the training thread only.
 */
public final class StepLines implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String FILE = "steps.jsonl";

  private final OutputStream out;

  private StepLines(OutputStream out) {
    this.out = out;
  }

  /** Opens the file of a run that has taken {@code stepsDone} steps. */
  public static StepLines open(Path outDir, long stepsDone) throws IOException {
    Path file = outDir.resolve(FILE);
    if (Files.exists(file)) {
      List<String> kept = new ArrayList<>();
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      for (String line : all) {
        JsonNode n = parse(line);
        if (n != null && n.path("step").asLong(Long.MAX_VALUE) < stepsDone) {
          kept.add(line);
        }
      }
      if (kept.size() != all.size()) {
        AtomicFiles.writeBytes(file, (String.join("\n", kept) + (kept.isEmpty() ? "" : "\n"))
            .getBytes(StandardCharsets.UTF_8));
      }
    }
    return new StepLines(Files.newOutputStream(file, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND, StandardOpenOption.WRITE));
  }

  /** Appends the line of one step. */
  public void append(StepMetrics m) throws IOException {
    ObjectNode o = JSON.createObjectNode();
    o.put("step", m.step()).put("epoch", m.epoch()).put("epoch_step", m.epochStep())
        .put("seconds", m.seconds());
    m.values().forEach(o::put);
    out.write((JSON.writeValueAsString(o) + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /** Reads the lines of a file (tests, tools). */
  public static List<JsonNode> read(Path outDir) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(outDir.resolve(FILE), StandardCharsets.UTF_8)) {
      JsonNode n = parse(line);
      if (n != null) {
        out.add(n);
      }
    }
    return out;
  }

  @Override
  public void close() throws IOException {
    out.close();
  }

  private static JsonNode parse(String line) {
    if (line.isBlank()) {
      return null;
    }
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      return null;
    }
  }
}

package jdetr.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdetr.model.DetrConfig;
import jdetr.train.TrainConfig;

/**
 * The reference side of {@code bench train}: the options that make {@code reference_train_bench.py}
 * (shipped in the jar under {@code jdetr/bench/}) time the same config as jdetr, running it, and
 * reading its summary lines back from a file.
 */
final class ReferenceTrainBench {
  static final String SCRIPT = "/jdetr/bench/reference_train_bench.py";

  private static final ObjectMapper JSON = new ObjectMapper();

  private ReferenceTrainBench() {}

  /**
   * Script options for a config: its name, threads, the input size jdetr saw (mean padded height
   * and width, mean targets per image), then after {@code --} DETR's own model and optimiser
   * options.
   */
  static List<String> args(String name, TrainConfig config, DetrConfig model, int threads,
      int warmup, int steps, long height, long width, double targetsPerImage) {
    List<String> a = new ArrayList<>(List.of("--name", name, "--threads", str(threads),
        "--height", str(height), "--width", str(width),
        "--targets", String.format(Locale.ROOT, "%.2f", targetsPerImage),
        "--num_classes", str(model.numClasses()), "--warmup", str(warmup), "--steps", str(steps),
        "--backbone_norm", model.backboneNorm().jsonName(),
        "--",
        "--backbone", model.backbone(),
        "--position_embedding", model.positionEmbedding().jsonName(),
        "--hidden_dim", str(model.hiddenDim()), "--nheads", str(model.nheads()),
        "--enc_layers", str(model.encLayers()), "--dec_layers", str(model.decLayers()),
        "--dim_feedforward", str(model.dimFeedforward()), "--dropout", num(model.dropout()),
        "--num_queries", str(model.numQueries()), "--batch_size", str(config.batchSize()),
        "--lr", num(config.lr()),
        "--lr_backbone", num(model.trainBackbone() ? config.lrBackbone() : 0),
        "--weight_decay", num(config.weightDecay()), "--clip_max_norm", num(config.clipMaxNorm()),
        "--seed", str(config.seed())));
    if (model.dilation()) {
      a.add("--dilation");
    }
    if (model.preNorm()) {
      a.add("--pre_norm");
    }
    if (!model.auxLoss()) {
      a.add("--no_aux_loss");
    }
    return a;
  }

  /**
   * Runs the script with {@code python} ({@code detr} and, if given, {@code cocoapi} on the
   * PYTHONPATH), echoes its JSON lines to stdout and returns its summary line.
   */
  static JsonNode run(String python, Path detr, Path cocoapi, List<String> args)
      throws IOException, InterruptedException {
    Path script = Files.createTempFile("reference_train_bench", ".py");
    try {
      try (InputStream in = ReferenceTrainBench.class.getResourceAsStream(SCRIPT)) {
        Files.write(script, in.readAllBytes());
      }
      List<String> cmd = new ArrayList<>(List.of(python, script.toString()));
      cmd.addAll(args);
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
      pb.environment().put("PYTHONPATH",
          detr + (cocoapi != null ? File.pathSeparator + cocoapi : ""));
      Process p = pb.start();
      JsonNode summary = null;
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          if (!line.startsWith("{")) {
            continue;
          }
          System.out.println(line);
          JsonNode n = JSON.readTree(line);
          if (n.path("summary").asBoolean(false)) {
            summary = n;
          }
        }
      }
      int code = p.waitFor();
      if (code != 0 || summary == null) {
        throw new IOException("reference benchmark " + String.join(" ", cmd) + " exited with "
            + code + (summary == null ? " without a summary line" : ""));
      }
      return summary;
    } finally {
      Files.deleteIfExists(script);
    }
  }

  /** Summary lines of the reference by config name, from a file of the script's JSON lines. */
  static Map<String, JsonNode> read(Path file) {
    Map<String, JsonNode> out = new HashMap<>();
    try {
      for (String line : Files.readAllLines(file)) {
        if (!line.startsWith("{")) {
          continue;
        }
        JsonNode n = JSON.readTree(line);
        if ("reference".equals(n.path("impl").asText()) && n.path("summary").asBoolean(false)) {
          out.put(n.path("config").asText(), n);
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read --reference " + file + ": " + e.getMessage(),
          e);
    }
    return out;
  }

  private static String str(long v) {
    return Long.toString(v);
  }

  private static String num(double v) {
    return Double.toString(v);
  }
}

package jdetr.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * {@code manifest.json} of a checkpoint: the step, and the size and SHA-256 of every file. Its own
 * {@code digest} (SHA-256 over the step and the file lines) detects an edited manifest.
 *
 * @param step training step of the checkpoint
 * @param files the stored files, sorted by name
 * @param digest SHA-256 (hex) of {@link #canonicalText()}
 */
public record CheckpointManifest(long step, List<Entry> files, String digest) {
  public static final String FILE_NAME = "manifest.json";
  private static final String FORMAT = "jdetr-checkpoint";
  private static final int VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One stored file.
   *
   * @param name file name inside the checkpoint directory
   * @param bytes its size
   * @param sha256 SHA-256 of its content, lower-case hex
   */
  public record Entry(String name, long bytes, String sha256) {}

  public CheckpointManifest {
    files = files.stream().sorted(Comparator.comparing(Entry::name)).toList();
  }

  /** A manifest with its digest computed. */
  public static CheckpointManifest of(long step, List<Entry> files) {
    CheckpointManifest unsigned = new CheckpointManifest(step, files, "");
    return new CheckpointManifest(step, files, FileDigest.sha256(unsigned.canonicalText()));
  }

  /** The text the digest covers: format, step and one line per file. */
  public String canonicalText() {
    StringBuilder sb = new StringBuilder(FORMAT).append(' ').append(VERSION).append('\n');
    sb.append("step ").append(step).append('\n');
    for (Entry e : files) {
      sb.append(e.name()).append(' ').append(e.bytes()).append(' ').append(e.sha256()).append('\n');
    }
    return sb.toString();
  }

  /** Whether {@link #digest} matches the content (false after an edit). */
  public boolean digestValid() {
    return FileDigest.sha256(canonicalText()).equals(digest);
  }

  public Optional<Entry> file(String name) {
    return files.stream().filter(e -> e.name().equals(name)).findFirst();
  }

  public byte[] toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT).put("version", VERSION).put("step", step);
    ArrayNode list = root.putArray("files");
    for (Entry e : files) {
      list.addObject().put("name", e.name()).put("bytes", e.bytes()).put("sha256", e.sha256());
    }
    root.put("digest", digest);
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root)
          .concat("\n").getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Parses a manifest.
   *
   * @param where how to name the file in errors ({@code step-000123/manifest.json})
   * @throws CheckpointException naming {@code where} and the bad field
   */
  public static CheckpointManifest parse(byte[] json, String where) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new CheckpointException("unreadable manifest " + where + ": " + e.getMessage());
    }
    if (root == null || !root.isObject() || !FORMAT.equals(root.path("format").asText())) {
      throw new CheckpointException("not a jdetr checkpoint manifest: " + where);
    }
    if (root.path("version").asInt() != VERSION) {
      throw new CheckpointException("unsupported manifest version " + root.path("version")
          + " in " + where);
    }
    JsonNode step = root.path("step");
    JsonNode files = root.path("files");
    if (!step.canConvertToLong() || !files.isArray() || !root.path("digest").isTextual()) {
      throw new CheckpointException("manifest " + where + " lacks step, files or digest");
    }
    List<Entry> entries = new ArrayList<>();
    for (JsonNode f : files) {
      if (!f.path("name").isTextual() || !f.path("bytes").canConvertToLong()
          || !f.path("sha256").isTextual()) {
        throw new CheckpointException("manifest " + where + " has a file entry without name, bytes or sha256: " + f);
      }
      entries.add(new Entry(f.get("name").asText(), f.get("bytes").asLong(), f.get("sha256").asText()));
    }
    return new CheckpointManifest(step.asLong(), entries, root.get("digest").asText());
  }
}

package jdetr.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import jdetr.io.AtomicFiles;
import jdetr.model.DetectionTransformer;
import jdetr.model.DetrConfig;

/**
 * jdetr's weights format: a directory with {@code model.safetensors} (the state dict under the
 * reference names, readable by the Python safetensors library and loadable into the reference
 * DETR or Deformable DETR) and {@code model.json} (the resolved {@link DetrConfig}, the category
 * names by id, and the SHA-256 of the tensor file). Each file is replaced atomically, the JSON last; loading checks the
 * digest so a torn pair is reported, not half-loaded. {@link DetrWeights} builds a model from it.
 */
public final class ModelWeights {

  public static final String TENSORS = "model.safetensors";
  public static final String DESCRIPTION = "model.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** What {@code model.json} says about the weights. */
  public record Info(DetrConfig config, SortedMap<Integer, String> categories, String sha256) {}

  private ModelWeights() {}

  /** Writes the weights of {@code detr} and the category names (id -> name) into {@code dir}. */
  public static void save(Path dir, DetectionTransformer detr, Map<Integer, String> categories)
      throws IOException {
    Files.createDirectories(dir);
    Path tensors = dir.resolve(TENSORS);
    Safetensors.write(tensors, detr.stateDict(), Map.of("format", "pt"));
    ObjectNode root = JSON.createObjectNode();
    root.put("format", "jdetr-detr-weights/1");
    root.set("config", detr.config().toJson());
    ObjectNode names = root.putObject("categories");
    new TreeMap<>(categories).forEach((id, name) -> names.put(Integer.toString(id), name));
    root.put("sha256", sha256(tensors));
    AtomicFiles.writeBytes(dir.resolve(DESCRIPTION), JSON.writeValueAsBytes(root));
  }

  /** Reads {@code model.json} of a weights directory. */
  public static Info readInfo(Path dir) throws IOException {
    Path file = dir.resolve(DESCRIPTION);
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file + ": missing (is " + dir + " a jdetr weights directory?)");
    }
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (IOException ex) {
      throw new IOException(file + ": not valid JSON: " + ex.getMessage(), ex);
    }
    DetrConfig config;
    try {
      config = DetrConfig.fromJson(root.get("config"));
    } catch (IllegalArgumentException ex) {
      throw new IOException(file + ": " + ex.getMessage(), ex);
    }
    SortedMap<Integer, String> categories = new TreeMap<>();
    JsonNode names = root.path("categories");
    for (Iterator<Map.Entry<String, JsonNode>> it = names.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      try {
        categories.put(Integer.parseInt(e.getKey()), e.getValue().asText());
      } catch (NumberFormatException ex) {
        throw new IOException(file + ": category id '" + e.getKey() + "' is not an integer", ex);
      }
    }
    String digest = root.path("sha256").asText("");
    if (digest.isEmpty()) {
      throw new IOException(file + ": missing sha256 of " + TENSORS);
    }
    return new Info(config, categories, digest);
  }

  /** The state dict of a weights directory, after checking its digest against {@code info}. */
  public static Map<String, NDArray> readTensors(Path dir, Info info, NDManager manager)
      throws IOException {
    Path tensors = dir.resolve(TENSORS);
    String actual = sha256(tensors);
    if (!actual.equals(info.sha256())) {
      throw new IOException(tensors + ": SHA-256 " + actual + " differs from " + info.sha256()
          + " recorded in " + DESCRIPTION + " (incomplete or mixed save)");
    }
    return Safetensors.read(tensors, manager).tensors();
  }

  static String sha256(Path file) throws IOException {
    try (InputStream in = new DigestInputStream(Files.newInputStream(file),
        MessageDigest.getInstance("SHA-256"))) {
      byte[] buf = new byte[1 << 16];
      while (in.read(buf) >= 0) {
        // digesting
      }
      return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
    } catch (NoSuchAlgorithmException ex) {
      throw new IllegalStateException("SHA-256 unavailable", ex);
    }
  }
}

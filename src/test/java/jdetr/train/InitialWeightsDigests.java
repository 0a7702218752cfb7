package jdetr.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The per-tensor SHA-256 digests torch computed for the fine-tuning checkpoint
 * (parity/finetune/detr_r18_tiny.expected.json), and the same digest of a jdetr array.
 */
public final class InitialWeightsDigests {
  public static final Path PTH = Path.of("src/test/resources/parity/finetune/detr_r18_tiny.pth");
  public static final Path EXPECTED =
      Path.of("src/test/resources/parity/finetune/detr_r18_tiny.expected.json");

  private InitialWeightsDigests() {}

  /** SHA-256 of an array's values as little-endian float32, as the generator hashes them. */
  public static String of(NDArray a) {
    float[] v = a.toType(DataType.FLOAT32, false).toFloatArray();
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Expected digests by state_dict name. */
  public static Map<String, String> expected() throws IOException {
    JsonNode tensors = new ObjectMapper().readTree(EXPECTED.toFile()).get("tensors");
    Map<String, String> out = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = tensors.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      out.put(e.getKey(), e.getValue().get("sha256").asText());
    }
    return out;
  }
}

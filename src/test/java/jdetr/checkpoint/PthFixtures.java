package jdetr.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** The generated fixtures under src/test/resources/parity/pth (see generate_pth_fixtures.py). */
final class PthFixtures {
  private PthFixtures() {}

  static Path path(String relative) {
    URL url = PthFixtures.class.getResource("/parity/pth/" + relative);
    if (url == null) {
      throw new IllegalStateException("missing fixture parity/pth/" + relative);
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static JsonNode json(String relative) throws IOException {
    return new ObjectMapper().readTree(path(relative).toFile());
  }

  /** The float32 bit patterns (float arrays) or integer values of an array, as longs. */
  static long[] exactValues(NDArray array) {
    if (array.getDataType() == DataType.FLOAT32) {
      float[] f = array.toFloatArray();
      long[] bits = new long[f.length];
      for (int i = 0; i < f.length; i++) {
        bits[i] = Float.floatToRawIntBits(f[i]);
      }
      return bits;
    }
    try (NDArray wide = array.toType(DataType.INT64, true)) {
      return wide.toLongArray();
    }
  }

  /** The expected bits/values of one tensor entry of an expected JSON. */
  static long[] expectedValues(JsonNode tensor) {
    JsonNode values = tensor.has("float32_bits") ? tensor.get("float32_bits") : tensor.get("values");
    long[] out = new long[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i).asLong();
    }
    return out;
  }

  static long[] shape(JsonNode tensor) {
    JsonNode s = tensor.get("shape");
    long[] out = new long[s.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = s.get(i).asLong();
    }
    return out;
  }
}

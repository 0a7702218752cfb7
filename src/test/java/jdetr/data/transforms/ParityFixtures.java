package jdetr.data.transforms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import jdetr.data.PixelTarget;

/** Reads the reference's fixtures under src/test/resources/parity/data. */
final class ParityFixtures {
  static final ObjectMapper JSON = new ObjectMapper();

  private ParityFixtures() {}

  static byte[] bytes(String name) throws IOException {
    try (InputStream in = ParityFixtures.class.getResourceAsStream("/parity/data/" + name)) {
      if (in == null) throw new IOException("missing fixture parity/data/" + name);
      return in.readAllBytes();
    }
  }

  static JsonNode json(String name) throws IOException {
    return JSON.readTree(bytes(name));
  }

  static float[] floats(JsonNode array) {
    float[] out = new float[array.size()];
    for (int i = 0; i < out.length; i++) out[i] = (float) array.get(i).asDouble();
    return out;
  }

  static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
    return out;
  }

  /** A reference target dict (boxes xyxy pixels, labels, area, size) as a PixelTarget. */
  static PixelTarget target(JsonNode t, int origWidth, int origHeight) {
    int[] labels = ints(t.get("labels"));
    int[] size = ints(t.get("size"));
    return new PixelTarget(0, labels, floats(t.get("boxes")), floats(t.get("area")),
        new boolean[labels.length], origHeight, origWidth, size[0], size[1]);
  }
}

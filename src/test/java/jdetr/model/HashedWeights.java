package jdetr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;

/**
 * The deterministic weights of src/test/resources/parity/model/hashed_weights.py, regenerated bit
 * for bit: element i of tensor {@code name} is low + (high - low) * u, u the top 24 bits of
 * splitmix64(fnv1a64(name) + (i + 1) * golden) / 2^24, computed in double and rounded to float.
 */
public final class HashedWeights {

  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private HashedWeights() {}

  /**
   * The state dict described by a fixture's "weights" recipe: [{name, shape, low, high}], hashed
   * by "hash_name" instead of "name" when present (keys that share one tensor in the reference).
   */
  public static LinkedHashMap<String, NDArray> materialize(JsonNode recipe, NDManager manager) {
    LinkedHashMap<String, NDArray> out = new LinkedHashMap<>();
    for (JsonNode e : recipe) {
      long[] dims = new long[e.get("shape").size()];
      for (int i = 0; i < dims.length; i++) {
        dims[i] = e.get("shape").get(i).asLong();
      }
      Shape shape = new Shape(dims);
      String name = e.get("name").asText();
      String hashName = e.has("hash_name") ? e.get("hash_name").asText() : name;
      float[] values = values(hashName, Math.toIntExact(shape.size()), e.get("low").asDouble(),
          e.get("high").asDouble());
      out.put(name, manager.create(values, shape));
    }
    return out;
  }

  public static float[] values(String name, int n, double low, double high) {
    long seed = fnv1a64(name);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      long z = seed + (i + 1L) * GOLDEN;
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      z = z ^ (z >>> 31);
      double u = (z >>> 40) * 0x1.0p-24;
      v[i] = (float) (low + (high - low) * u);
    }
    return v;
  }

  static long fnv1a64(String text) {
    long h = 0xCBF29CE484222325L;
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001B3L;
    }
    return h;
  }
}

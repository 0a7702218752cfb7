package jdetr.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {

  @TempDir Path dir;

  @Test
  void roundTripIsExactForEveryWritableDtype() throws IOException {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      LinkedHashMap<String, NDArray> in = new LinkedHashMap<>();
      in.put("backbone.0.body.conv1.weight", m.randomNormal(new Shape(4, 3, 3, 3)));
      in.put("half", m.randomNormal(new Shape(3)).toType(DataType.FLOAT16, false));
      in.put("double", m.create(new double[] {Math.PI, -1e-300, 1e300}));
      in.put("ids", m.create(new long[] {-5, 1L << 50, 0}));
      in.put("ints", m.create(new int[] {1, -2, 3, 4}, new Shape(2, 2)));
      in.put("bytes", m.create(new byte[] {0, 1, (byte) 200}, new Shape(3)).toType(DataType.UINT8, false));
      in.put("signed", m.create(new byte[] {-128, 127}, new Shape(2)));
      in.put("mask", m.create(new boolean[] {true, false, true}));
      in.put("scalar", m.create(2.5f));
      in.put("empty", m.zeros(new Shape(0, 4)));
      Path file = dir.resolve("rt.safetensors");
      Safetensors.write(file, in, Map.of("format", "pt", "note", "ünïcode"));

      Safetensors.Contents out = Safetensors.read(file, m);
      assertThat(out.metadata()).containsEntry("format", "pt").containsEntry("note", "ünïcode");
      assertThat(List.copyOf(out.tensors().keySet())).containsExactlyElementsOf(in.keySet());
      for (Map.Entry<String, NDArray> e : in.entrySet()) {
        NDArray got = out.tensors().get(e.getKey());
        assertThat(got.getDataType()).as(e.getKey()).isEqualTo(e.getValue().getDataType());
        assertThat(got.getShape()).as(e.getKey()).isEqualTo(e.getValue().getShape());
        assertThat(bytes(got)).as(e.getKey()).isEqualTo(bytes(e.getValue()));
      }
      // Header: u64 LE length, a multiple of 8, JSON padded with spaces.
      byte[] raw = Files.readAllBytes(file);
      long n = ByteBuffer.wrap(raw, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
      assertThat(n % 8).isZero();
      String header = new String(raw, 8, (int) n, StandardCharsets.UTF_8);
      assertThat(header).startsWith("{\"__metadata__\":");
      assertThat(header.strip()).endsWith("}");
      // Writing again replaces the file atomically and leaves no temporary files behind.
      Safetensors.write(file, Map.of("only", m.ones(new Shape(2))), Map.of());
      assertThat(Safetensors.read(file, m).tensors()).containsOnlyKeys("only");
      try (var files = Files.list(dir)) {
        assertThat(files.map(p -> p.getFileName().toString())).containsExactly("rt.safetensors");
      }
    }
  }

  @Test
  void readsAFileWrittenByPython() throws IOException {
    Path file = resource("python_written.safetensors");
    Map<String, List<Double>> expected;
    try (InputStream is = Files.newInputStream(resource("python_written.expected.json"))) {
      expected = new ObjectMapper().readValue(is, new TypeReference<>() {});
    }
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Safetensors.Contents c = Safetensors.read(file, m);
      assertThat(c.metadata()).containsEntry("format", "pt").containsEntry("written_by", "numpy");
      assertThat(List.copyOf(c.tensors().keySet())).containsExactlyElementsOf(expected.keySet());
      Map<String, DataType> types = Map.of("f32.matrix", DataType.FLOAT32, "f16.vector",
          DataType.FLOAT16, "bf16.vector", DataType.FLOAT32, "i64.ids", DataType.INT64,
          "i32.grid", DataType.INT32, "u8.bytes", DataType.UINT8, "bool.mask", DataType.BOOLEAN);
      types.forEach((k, t) -> assertThat(c.tensors().get(k).getDataType()).as(k).isEqualTo(t));
      assertThat(c.tensors().get("f32.matrix").getShape()).isEqualTo(new Shape(2, 3));
      assertThat(c.tensors().get("f32.scalar").getShape()).isEqualTo(new Shape());
      assertThat(c.tensors().get("f32.empty").getShape()).isEqualTo(new Shape(0, 4));
      assertThat(c.tensors().get("i64.ids").toLongArray()).containsExactly(-1, 1L << 40, 7);
      for (Map.Entry<String, List<Double>> e : expected.entrySet()) {
        double[] got = c.tensors().get(e.getKey()).toType(DataType.FLOAT64, false).toDoubleArray();
        double[] want = e.getValue().stream().mapToDouble(Double::doubleValue).toArray();
        assertThat(got).as(e.getKey()).containsExactly(want);
      }
    }
  }

  @Test
  void badFilesFailWithTheFileAndTensorNamed() throws IOException {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Path tiny = dir.resolve("tiny.safetensors");
      Files.write(tiny, new byte[] {1, 2, 3});
      assertThatThrownBy(() -> Safetensors.read(tiny, m))
          .isInstanceOf(IOException.class).hasMessageContaining("tiny.safetensors");

      Path hugeLen = withHeader("len.safetensors", "{}", 0, 1_000_000L);
      assertThatThrownBy(() -> Safetensors.read(hugeLen, m))
          .hasMessageContaining("len.safetensors").hasMessageContaining("header length");

      Path notJson = withHeader("json.safetensors", "{\"a\":", 0, null);
      assertThatThrownBy(() -> Safetensors.read(notJson, m)).hasMessageContaining("not valid JSON");

      Path shapeMismatch = withHeader("shape.safetensors",
          "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, null);
      assertThatThrownBy(() -> Safetensors.read(shapeMismatch, m))
          .hasMessageContaining("shape.safetensors").hasMessageContaining("tensor 'w'")
          .hasMessageContaining("needs 12");

      Path outside = withHeader("outside.safetensors",
          "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8, null);
      assertThatThrownBy(() -> Safetensors.read(outside, m))
          .hasMessageContaining("tensor 'w'").hasMessageContaining("outside the data section");

      Path gap = withHeader("gap.safetensors",
          "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
              + "\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[4,6]}}", 6, null);
      assertThatThrownBy(() -> Safetensors.read(gap, m))
          .hasMessageContaining("tensor 'b'").hasMessageContaining("gap or overlap");

      Path trailing = withHeader("trailing.safetensors",
          "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 5, null);
      assertThatThrownBy(() -> Safetensors.read(trailing, m)).hasMessageContaining("trailing");

      Path badType = withHeader("type.safetensors",
          "{\"a\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8, null);
      assertThatThrownBy(() -> Safetensors.read(badType, m))
          .hasMessageContaining("tensor 'a'").hasMessageContaining("unsupported dtype C64");
    }
  }

  private Path withHeader(String name, String json, int dataBytes, Long lengthOverride)
      throws IOException {
    byte[] head = json.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + head.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(lengthOverride != null ? lengthOverride : head.length).put(head);
    Path p = dir.resolve(name);
    Files.write(p, b.array());
    return p;
  }

  private static byte[] bytes(NDArray a) {
    ByteBuffer b = a.toByteBuffer();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  static Path resource(String name) {
    return Path.of("src/test/resources/parity/checkpoint", name);
  }
}

package jdetr.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdetr.io.AtomicFiles;

/**
 * The safetensors file format: an 8-byte little-endian header length, a JSON header mapping each
 * tensor name to {dtype, shape, data_offsets} (plus an optional {@code __metadata__} string map),
 * padded with spaces to a multiple of 8 bytes, then the raw little-endian tensor bytes.
 *
 * <p>Files written here are readable by the Python {@code safetensors} library and vice versa.
 * Supported dtypes: F64, F32, F16, I64, I32, I8, U8, BOOL for reading and writing; BF16 is read and
 * widened to F32 (libtorch arrays in DJL cannot be created as bfloat16).
 */
public final class Safetensors {

  /** The header length is limited like the reference implementation (100 MB). */
  static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

  private static final String METADATA_KEY = "__metadata__";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Tensors in file order and the free-form string metadata of a file. */
  public record Contents(LinkedHashMap<String, NDArray> tensors, Map<String, String> metadata) {}

  /** One header entry: where a tensor's bytes lie in the data section. */
  public record Entry(String name, String dtype, long[] shape, long begin, long end) {
    public Shape djlShape() {
      return new Shape(shape);
    }
  }

  /** The parsed header: entries in header order, metadata, and where the data section starts. */
  public record Header(List<Entry> entries, Map<String, String> metadata, long dataStart) {}

  private Safetensors() {}

  /** Reads every tensor of {@code file} into arrays owned by {@code manager}. */
  public static Contents read(Path file, NDManager manager) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      Header header = readHeader(file, ch);
      LinkedHashMap<String, NDArray> tensors = new LinkedHashMap<>();
      for (Entry e : header.entries()) {
        tensors.put(e.name(), readTensor(file, ch, header.dataStart(), e, manager));
      }
      return new Contents(tensors, header.metadata());
    }
  }

  /** Reads only the header (names, dtypes, shapes, metadata) of {@code file}. */
  public static Header readHeader(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return readHeader(file, ch);
    }
  }

  /**
   * Writes {@code tensors} (in map order) and {@code metadata} to {@code file} atomically: the bytes
   * go to a temporary file in the same directory, are flushed to disk and renamed over the target.
   */
  public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata)
      throws IOException {
    requireLittleEndian();
    // Lay the data out by decreasing element size so every tensor stays aligned to its dtype.
    List<Map.Entry<String, NDArray>> layout = new ArrayList<>(tensors.entrySet());
    layout.sort(Comparator.comparingInt(
        (Map.Entry<String, NDArray> en) -> -en.getValue().getDataType().getNumOfBytes()));
    Map<String, long[]> offsets = new LinkedHashMap<>();
    long cursor = 0;
    for (Map.Entry<String, NDArray> en : layout) {
      String dtype = dtypeName(file, en.getKey(), en.getValue().getDataType());
      long bytes = en.getValue().getShape().size() * (long) elementSize(dtype);
      offsets.put(en.getKey(), new long[] {cursor, cursor + bytes});
      cursor += bytes;
    }
    ObjectNode root = JSON.createObjectNode();
    if (metadata != null && !metadata.isEmpty()) {
      ObjectNode meta = root.putObject(METADATA_KEY);
      metadata.forEach(meta::put);
    }
    for (Map.Entry<String, NDArray> en : tensors.entrySet()) {
      if (METADATA_KEY.equals(en.getKey())) {
        throw new IOException(file + ": tensor name '" + METADATA_KEY + "' is reserved");
      }
      ObjectNode t = root.putObject(en.getKey());
      t.put("dtype", dtypeName(file, en.getKey(), en.getValue().getDataType()));
      ArrayNode shape = t.putArray("shape");
      for (long d : en.getValue().getShape().getShape()) {
        shape.add(d);
      }
      long[] off = offsets.get(en.getKey());
      t.putArray("data_offsets").add(off[0]).add(off[1]);
    }
    byte[] json = JSON.writeValueAsBytes(root);
    int padded = (json.length + 7) / 8 * 8;
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    head.flip();
    AtomicFiles.write(file, ch -> {
      writeFully(ch, head);
      for (Map.Entry<String, NDArray> en : layout) {
        ByteBuffer data = en.getValue().toByteBuffer();
        long[] off = offsets.get(en.getKey());
        if (data.remaining() != off[1] - off[0]) {
          throw new IOException(file + ": tensor '" + en.getKey() + "' produced "
              + data.remaining() + " bytes, expected " + (off[1] - off[0]));
        }
        writeFully(ch, data);
      }
    });
  }

  private static Header readHeader(Path file, FileChannel ch) throws IOException {
    long size = ch.size();
    if (size < 8) {
      throw new IOException(file + ": not a safetensors file (" + size + " bytes, need at least 8)");
    }
    ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(file, ch, lenBuf, 0);
    long n = lenBuf.flip().getLong();
    if (n <= 0 || n > MAX_HEADER_BYTES || n > size - 8) {
      throw new IOException(file + ": bad safetensors header length " + n + " (file has "
          + size + " bytes)");
    }
    ByteBuffer headBuf = ByteBuffer.allocate((int) n);
    readFully(file, ch, headBuf, 8);
    JsonNode root;
    try {
      root = JSON.readTree(new String(headBuf.array(), StandardCharsets.UTF_8));
    } catch (IOException ex) {
      throw new IOException(file + ": safetensors header is not valid JSON: " + ex.getMessage(), ex);
    }
    if (root == null || !root.isObject()) {
      throw new IOException(file + ": safetensors header is not a JSON object");
    }
    long dataStart = 8 + n;
    long dataSize = size - dataStart;
    Map<String, String> metadata = new LinkedHashMap<>();
    List<Entry> entries = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      if (METADATA_KEY.equals(f.getKey())) {
        readMetadata(file, f.getValue(), metadata);
      } else {
        entries.add(parseEntry(file, f.getKey(), f.getValue(), dataSize));
      }
    }
    checkCoverage(file, entries, dataSize);
    return new Header(Collections.unmodifiableList(entries),
        Collections.unmodifiableMap(metadata), dataStart);
  }

  private static void readMetadata(Path file, JsonNode node, Map<String, String> into)
      throws IOException {
    if (!node.isObject()) {
      throw new IOException(file + ": " + METADATA_KEY + " must be an object of strings");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> m = it.next();
      if (!m.getValue().isTextual()) {
        throw new IOException(file + ": " + METADATA_KEY + " value of '" + m.getKey()
            + "' is not a string");
      }
      into.put(m.getKey(), m.getValue().textValue());
    }
  }

  private static Entry parseEntry(Path file, String name, JsonNode node, long dataSize)
      throws IOException {
    String where = file + ": tensor '" + name + "': ";
    if (!node.isObject()) {
      throw new IOException(where + "header entry is not an object");
    }
    JsonNode dtype = node.get("dtype");
    JsonNode shape = node.get("shape");
    JsonNode offsets = node.get("data_offsets");
    if (dtype == null || !dtype.isTextual()) {
      throw new IOException(where + "missing or non-string dtype");
    }
    int elem = elementSizeOrFail(where, dtype.textValue());
    if (shape == null || !shape.isArray()) {
      throw new IOException(where + "missing or non-array shape");
    }
    long[] dims = new long[shape.size()];
    long count = 1;
    for (int i = 0; i < dims.length; i++) {
      JsonNode d = shape.get(i);
      if (!d.canConvertToLong() || !d.isIntegralNumber() || d.longValue() < 0) {
        throw new IOException(where + "bad shape " + shape);
      }
      dims[i] = d.longValue();
      count = Math.multiplyExact(count, dims[i]);
    }
    if (offsets == null || !offsets.isArray() || offsets.size() != 2
        || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()) {
      throw new IOException(where + "data_offsets must be [begin, end]");
    }
    long begin = offsets.get(0).longValue();
    long end = offsets.get(1).longValue();
    if (begin < 0 || end < begin || end > dataSize) {
      throw new IOException(where + "data_offsets [" + begin + ", " + end
          + "] outside the data section of " + dataSize + " bytes");
    }
    if (end - begin != count * elem) {
      throw new IOException(where + "data_offsets span " + (end - begin) + " bytes but dtype "
          + dtype.textValue() + " shape " + shape + " needs " + count * elem);
    }
    return new Entry(name, dtype.textValue(), dims, begin, end);
  }

  /** Like the reference reader: tensors tile the data section exactly, without gaps or overlaps. */
  private static void checkCoverage(Path file, List<Entry> entries, long dataSize)
      throws IOException {
    List<Entry> byOffset = new ArrayList<>(entries);
    byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    long expected = 0;
    for (Entry e : byOffset) {
      if (e.begin() != expected) {
        throw new IOException(file + ": tensor '" + e.name() + "' starts at byte " + e.begin()
            + " of the data section, expected " + expected + " (gap or overlap)");
      }
      expected = e.end();
    }
    if (expected != dataSize) {
      throw new IOException(file + ": tensors cover " + expected + " bytes but the data section has "
          + dataSize + " (truncated or trailing bytes)");
    }
  }

  private static NDArray readTensor(Path file, FileChannel ch, long dataStart, Entry e,
      NDManager manager) throws IOException {
    int bytes = Math.toIntExact(e.end() - e.begin());
    Shape shape = e.djlShape();
    if ("BF16".equals(e.dtype())) {
      ByteBuffer raw = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
      readFully(file, ch, raw, dataStart + e.begin());
      raw.flip();
      float[] out = new float[bytes / 2];
      for (int i = 0; i < out.length; i++) {
        out[i] = Float.intBitsToFloat((raw.getShort() & 0xffff) << 16);
      }
      return manager.create(out, shape);
    }
    DataType type = djlType(e.dtype());
    if (bytes == 0) {
      return manager.create(shape, type);
    }
    requireLittleEndian();
    ByteBuffer buf = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    readFully(file, ch, buf, dataStart + e.begin());
    buf.flip();
    return manager.create(buf, shape, type);
  }

  static String dtypeName(Path file, String tensor, DataType type) throws IOException {
    return switch (type) {
      case FLOAT64 -> "F64";
      case FLOAT32 -> "F32";
      case FLOAT16 -> "F16";
      case INT64 -> "I64";
      case INT32 -> "I32";
      case INT8 -> "I8";
      case UINT8 -> "U8";
      case BOOLEAN -> "BOOL";
      default -> throw new IOException(file + ": tensor '" + tensor + "': dtype " + type
          + " cannot be written to safetensors");
    };
  }

  private static DataType djlType(String dtype) {
    return switch (dtype) {
      case "F64" -> DataType.FLOAT64;
      case "F32" -> DataType.FLOAT32;
      case "F16" -> DataType.FLOAT16;
      case "I64" -> DataType.INT64;
      case "I32" -> DataType.INT32;
      case "I8" -> DataType.INT8;
      case "U8" -> DataType.UINT8;
      case "BOOL" -> DataType.BOOLEAN;
      default -> throw new IllegalArgumentException("unsupported safetensors dtype " + dtype);
    };
  }

  private static int elementSize(String dtype) {
    return switch (dtype) {
      case "F64", "I64" -> 8;
      case "F32", "I32" -> 4;
      case "F16", "BF16" -> 2;
      case "I8", "U8", "BOOL" -> 1;
      default -> -1;
    };
  }

  private static int elementSizeOrFail(String where, String dtype) throws IOException {
    int size = elementSize(dtype);
    if (size < 0) {
      throw new IOException(where + "unsupported dtype " + dtype
          + " (supported: F64 F32 F16 BF16 I64 I32 I8 U8 BOOL)");
    }
    return size;
  }

  private static void requireLittleEndian() {
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      throw new UnsupportedOperationException("safetensors I/O needs a little-endian platform");
    }
  }

  private static void readFully(Path file, FileChannel ch, ByteBuffer buf, long position)
      throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new IOException(file + ": unexpected end of file at byte " + pos);
      }
      pos += n;
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }
}

package jdetr.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An opened, fully checked {@code torch.save} file. Its top-level dict is available as plain
 * values — Long, Double, String, Boolean, null, {@link PickledTuple}, List, Map,
 * {@link PickledObject} (an inert argparse.Namespace) and {@link PickledTensor} descriptors — and
 * tensors are read only when asked for, into a caller-supplied NDManager. Closing releases the
 * file.
 */
public final class TorchCheckpoint implements AutoCloseable {

  /** The two container formats of {@code torch.save}. */
  public enum Format {
    /** torch >= 1.6: a zip of data.pkl and one entry per storage. */
    ZIP,
    /** torch < 1.6 (or {@code _use_new_zipfile_serialization=False}): pickles then raw storages. */
    LEGACY
  }

  private final Path file;
  private final Format format;
  private final FileChannel channel;
  private final Map<String, Object> topLevel;
  private final Map<String, PickledStorage> storages;
  private final StorageSource source;

  TorchCheckpoint(Path file, Format format, FileChannel channel, Map<String, Object> topLevel,
      Map<String, PickledStorage> storages, StorageSource source) {
    this.file = file;
    this.format = format;
    this.channel = channel;
    this.topLevel = Collections.unmodifiableMap(topLevel);
    this.storages = storages;
    this.source = source;
  }

  public Path file() {
    return file;
  }

  public Format format() {
    return format;
  }

  /** The pickled top-level dict, in file order (e.g. model, optimizer, lr_scheduler, epoch, args). */
  public Map<String, Object> topLevel() {
    return topLevel;
  }

  /** The storages the pickle declared, by key. */
  public Map<String, PickledStorage> storages() {
    return storages;
  }

  /**
   * The model's state dict, name -> tensor descriptor, in file order: the {@code 'model'} entry
   * (DETR's checkpoints), or the top-level dict itself when every value is a tensor (a bare
   * state dict such as torchvision's backbone weights).
   */
  public Map<String, PickledTensor> stateDict() throws IOException {
    Object model = topLevel.get("model");
    Map<?, ?> dict;
    if (model instanceof Map<?, ?> m) {
      dict = m;
    } else if (model == null && !topLevel.isEmpty()
        && topLevel.values().stream().allMatch(v -> v instanceof PickledTensor)) {
      dict = topLevel;
    } else {
      throw new IOException(file + ": no 'model' state dict; top-level keys are "
          + topLevel.keySet());
    }
    Map<String, PickledTensor> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : dict.entrySet()) {
      if (!(e.getKey() instanceof String name) || !(e.getValue() instanceof PickledTensor t)) {
        throw new IOException(file + ": state dict entry '" + e.getKey() + "' is not a tensor");
      }
      out.put(name, t);
    }
    return Collections.unmodifiableMap(out);
  }

  /** Reads every tensor of {@link #stateDict()} into {@code manager}, in file order. */
  public Map<String, NDArray> loadStateDict(NDManager manager) throws IOException {
    Map<String, NDArray> out = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, PickledTensor> e : stateDict().entrySet()) {
        NDArray array = load(e.getValue(), manager);
        array.setName(e.getKey());
        out.put(e.getKey(), array);
      }
    } catch (IOException | RuntimeException e) {
      out.values().forEach(NDArray::close);
      throw e;
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * Reads one tensor into {@code manager}: float types as float32, integer and bool types at their
   * own width, strides and storage offset honoured, the result contiguous.
   */
  public NDArray load(PickledTensor tensor, NDManager manager) throws IOException {
    if (storages.get(tensor.storage().key()) != tensor.storage()) {
      throw new IllegalArgumentException("tensor does not belong to " + file);
    }
    return TensorMaterializer.load(tensor, source, manager);
  }

  /** The top-level keys, in file order. */
  public List<String> keys() {
    return List.copyOf(topLevel.keySet());
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}

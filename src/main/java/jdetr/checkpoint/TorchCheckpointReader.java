package jdetr.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Opens official PyTorch checkpoints ({@code torch.save} of {@code {'model': state_dict, ...}}) in
 * Java, safely: the pickle is run by {@link PickleMachine}, which accepts only what rebuilding
 * tensors needs (the {@code weights_only} rule) and refuses every other global or opcode; storage
 * sizes are checked against the archive before any tensor is read. Both containers are read: the
 * zip format of torch >= 1.6 and the legacy stream format of earlier releases (in which DETR's
 * 2020 checkpoints were published).
 *
 * <p>An {@code argparse.Namespace} (the {@code 'args'} entry of checkpoints written by DETR's
 * training script) is not executed: it becomes an inert {@link PickledObject} holding its
 * attribute values.
 */
public final class TorchCheckpointReader {
  private final CheckpointLimits limits;

  public TorchCheckpointReader() {
    this(CheckpointLimits.defaults());
  }

  public TorchCheckpointReader(CheckpointLimits limits) {
    this.limits = limits;
  }

  /** The model state dict of {@code file} read into {@code manager}. */
  public static Map<String, NDArray> readStateDict(Path file, NDManager manager)
      throws IOException {
    try (TorchCheckpoint checkpoint = new TorchCheckpointReader().open(file)) {
      return checkpoint.loadStateDict(manager);
    }
  }

  /**
   * Parses and checks {@code file}: its container, its pickle and every storage's size. No tensor
   * data is read yet. The caller closes the returned checkpoint.
   */
  public TorchCheckpoint open(Path file) throws IOException {
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    try {
      String name = file.toString();
      ByteBuffer head = ByteBuffer.allocate((int) Math.min(channel.size(), 262));
      TorchZipArchive.readFully(channel, 0, head, name);
      byte[] h = head.array();
      if (h.length >= 4 && h[0] == 'P' && h[1] == 'K' && h[2] == 3 && h[3] == 4) {
        return openZip(file, name, channel);
      }
      if (h.length >= 2 && (h[0] & 0xff) == 0x80) {
        return openLegacy(file, name, channel);
      }
      if (h.length >= 262 && new String(h, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
        throw new UnsafeCheckpointException(name + ": tar-format checkpoint (torch < 0.4) is not"
            + " supported; re-save it with a current torch");
      }
      throw new UnsafeCheckpointException(name + ": not a torch.save file (neither a zip"
          + " archive nor a legacy pickle stream)");
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private TorchCheckpoint openZip(Path file, String name, FileChannel channel)
      throws IOException {
    TorchZipArchive archive = TorchZipArchive.open(channel, name, limits);
    TorchZipArchive.Entry byteOrder = archive.entry("byteorder");
    if (byteOrder != null) {
      String order = new String(archive.readAll(byteOrder, 16), StandardCharsets.US_ASCII).trim();
      if (!order.equals("little")) {
        throw new UnsafeCheckpointException(name + ": byte order '" + order
            + "' is not supported (only little-endian)");
      }
    }
    StorageTable storages = new StorageTable(false, (storage, where) -> {
      String entryName = archive.prefix() + "/data/" + storage.key();
      TorchZipArchive.Entry entry = archive.entry("data/" + storage.key());
      if (entry == null) {
        throw new UnsafeCheckpointException(where + ": storage '" + storage.key()
            + "' has no entry '" + entryName + "'");
      }
      if (entry.size() != storage.byteSize()) {
        throw new UnsafeCheckpointException(where + ": storage '" + storage.key() + "' declares "
            + storage.numel() + " x " + storage.type().torchDtype() + " = " + storage.byteSize()
            + " bytes but entry '" + entryName + "' holds " + entry.size() + " bytes");
      }
    }, limits);
    TorchZipArchive.Entry pickle = archive.entry("data.pkl");
    String source = name + "!" + pickle.name();
    if (pickle.size() > limits.maxPickleBytes()) {
      throw new UnsafeCheckpointException(source + ": " + pickle.size() + " bytes of pickle, above"
          + " the cap of " + limits.maxPickleBytes());
    }
    PickleInput in = pickle.method() == 0
        ? new PickleInput(channel, pickle.dataOffset(), pickle.dataOffset() + pickle.size(), source)
        : new PickleInput(archive.readAll(pickle, limits.maxPickleBytes()), source);
    Object root = new PickleMachine(in, storages, limits).load();
    StorageSource data = (storage, first, dst) -> archive.readAt(
        archive.entry("data/" + storage.key()), first * storage.type().elementSize(), dst);
    return new TorchCheckpoint(file, TorchCheckpoint.Format.ZIP, channel,
        topLevel(name, root), storages.storages(), data);
  }

  private TorchCheckpoint openLegacy(Path file, String name, FileChannel channel)
      throws IOException {
    LegacyTorchFile.Contents contents = LegacyTorchFile.read(channel, name, limits);
    StorageSource data = (storage, first, dst) -> TorchZipArchive.readFully(channel,
        contents.dataOffsets().get(storage.key()) + first * storage.type().elementSize(), dst,
        name);
    return new TorchCheckpoint(file, TorchCheckpoint.Format.LEGACY, channel,
        topLevel(name, contents.root()), contents.storages().storages(), data);
  }

  private static Map<String, Object> topLevel(String name, Object root) throws IOException {
    if (!(root instanceof Map<?, ?> dict)) {
      throw new IOException(name + ": the checkpoint holds a "
          + (root == null ? "None" : root.getClass().getSimpleName()) + ", not a dict");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : dict.entrySet()) {
      if (!(e.getKey() instanceof String key)) {
        throw new IOException(name + ": top-level key " + e.getKey() + " is not a string");
      }
      out.put(key, e.getValue());
    }
    return out;
  }
}

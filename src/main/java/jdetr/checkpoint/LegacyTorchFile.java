package jdetr.checkpoint;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

/**
 * The stream format {@code torch.save} wrote before torch 1.6 (and still writes with
 * {@code _use_new_zipfile_serialization=False}): five pickles back to back — the magic number, the
 * protocol version 1001, a sys_info dict, the object itself with storage persistent ids, the sorted
 * list of storage keys — followed by each storage in that order as an 8-byte little-endian element
 * count and the raw little-endian elements. Each count must equal the count the pickle declared,
 * and every storage must lie inside the file.
 */
final class LegacyTorchFile {
  static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
  private static final long PROTOCOL_VERSION = 1001;

  /** The pickled object, its storages and where each storage's elements start in the file. */
  record Contents(Object root, StorageTable storages, Map<String, Long> dataOffsets) {}

  private LegacyTorchFile() {}

  static Contents read(FileChannel channel, String file, CheckpointLimits limits)
      throws IOException {
    long size = channel.size();
    Pickled magic = pickleAt(channel, 0, file, "magic number", null, limits);
    Object m = magic.value() instanceof Long l ? BigInteger.valueOf(l) : magic.value();
    if (!MAGIC.equals(m)) {
      throw new UnsafeCheckpointException(file + ": not a torch.save file (no zip signature and"
          + " no legacy magic number)");
    }
    Pickled protocol = pickleAt(channel, magic.end(), file, "protocol version", null, limits);
    if (!Long.valueOf(PROTOCOL_VERSION).equals(protocol.value())) {
      throw new UnsafeCheckpointException(file + ": legacy protocol version " + protocol.value()
          + ", expected " + PROTOCOL_VERSION);
    }
    Pickled sysInfo = pickleAt(channel, protocol.end(), file, "sys_info", null, limits);
    if (!(sysInfo.value() instanceof Map<?, ?> info)
        || !Boolean.TRUE.equals(info.get("little_endian"))) {
      throw new UnsafeCheckpointException(file + ": sys_info does not declare a little-endian"
          + " writer; big-endian checkpoints are not supported");
    }
    StorageTable storages = new StorageTable(true, null, limits);
    Pickled root = pickleAt(channel, sysInfo.end(), file, "main pickle", storages, limits);
    Pickled keys = pickleAt(channel, root.end(), file, "storage keys", null, limits);
    if (!(keys.value() instanceof ArrayList<?> keyList)) {
      throw new UnsafeCheckpointException(file + ": the storage key list is not a list");
    }
    Map<String, Long> offsets = new HashMap<>();
    long p = keys.end();
    for (Object key : keyList) {
      PickledStorage storage = storages.storages().get(key);
      if (storage == null) {
        throw new UnsafeCheckpointException(file + ": storage key '" + key + "' in the key list"
            + " was not declared by the pickle");
      }
      if (offsets.containsKey(key)) {
        throw new UnsafeCheckpointException(file + ": storage key '" + key + "' listed twice");
      }
      if (p + 8 > size) {
        throw truncated(file, storage, p, 8, size);
      }
      ByteBuffer count = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      TorchZipArchive.readFully(channel, p, count, file);
      long numel = count.getLong(0);
      if (numel != storage.numel()) {
        throw new UnsafeCheckpointException(file + ": storage '" + key + "' holds "
            + Long.toUnsignedString(numel) + " elements at offset " + p + " but the pickle"
            + " declared " + storage.numel());
      }
      offsets.put(storage.key(), p + 8);
      if (storage.byteSize() > size - (p + 8)) {
        throw truncated(file, storage, p + 8, storage.byteSize(), size);
      }
      p += 8 + storage.byteSize();
    }
    for (String key : storages.storages().keySet()) {
      if (!offsets.containsKey(key)) {
        throw new UnsafeCheckpointException(file + ": storage '" + key + "' is used by the pickle"
            + " but missing from the storage key list");
      }
    }
    return new Contents(root.value(), storages, offsets);
  }

  private record Pickled(Object value, long end) {}

  /** Runs the pickle starting at {@code position}; returns its value and where it stopped. */
  private static Pickled pickleAt(FileChannel channel, long position, String file, String what,
      StorageTable storages, CheckpointLimits limits) throws IOException {
    long end = Math.min(channel.size(), position + limits.maxPickleBytes());
    PickleInput in = new PickleInput(channel, position, end,
        file + " (" + what + " at byte " + position + ")");
    Object value = new PickleMachine(in, storages, limits).load();
    return new Pickled(value, in.filePosition());
  }

  private static UnsafeCheckpointException truncated(String file, PickledStorage storage,
      long at, long needed, long size) {
    return new UnsafeCheckpointException("truncated file: " + file + ": storage '"
        + storage.key() + "' (" + storage.numel() + " x " + storage.type().torchDtype()
        + ") needs " + needed + " bytes at offset " + at + " but the file ends at " + size);
  }
}

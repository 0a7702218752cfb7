package jdetr.checkpoint;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The storages a checkpoint pickle declares through its persistent ids
 * {@code ('storage', torch.FloatStorage, key, location, numel)} (the legacy format adds a sixth
 * element, the view metadata, which must be None). Each key keeps one type and element count;
 * sizes are checked for overflow and against the caps, and, in a zip archive, against the entry
 * holding the bytes as soon as the storage is named.
 */
final class StorageTable implements PickleMachine.PersistentLoader {

  /** Checks a newly declared storage against where its bytes live. */
  interface EntryCheck {
    void check(PickledStorage storage, String where) throws UnsafeCheckpointException;
  }

  private final boolean legacy;
  private final EntryCheck entryCheck;
  private final CheckpointLimits limits;
  private final Map<String, PickledStorage> byKey = new LinkedHashMap<>();
  private long totalBytes;

  StorageTable(boolean legacy, EntryCheck entryCheck, CheckpointLimits limits) {
    this.legacy = legacy;
    this.entryCheck = entryCheck;
    this.limits = limits;
  }

  /** The declared storages by key, in the order the pickle named them. */
  Map<String, PickledStorage> storages() {
    return Collections.unmodifiableMap(byKey);
  }

  @Override
  public Object load(PickledTuple pid, String where) throws UnsafeCheckpointException {
    Object kind = pid.size() > 0 ? pid.get(0) : null;
    if (!"storage".equals(kind)) {
      throw new UnsafeCheckpointException(where + ": persistent id of kind '" + kind
          + "' is not allowed (only 'storage'; 'module' would be a pickled nn.Module class)");
    }
    int expected = legacy ? 6 : 5;
    if (pid.size() != expected) {
      throw new UnsafeCheckpointException(where + ": storage persistent id has " + pid.size()
          + " fields, expected " + expected);
    }
    if (legacy && pid.get(5) != null) {
      throw new UnsafeCheckpointException(where + ": storage views (view metadata "
          + "of torch < 1.0 files) are not supported");
    }
    if (!(pid.get(1) instanceof TorchStorageType type)) {
      throw new UnsafeCheckpointException(where + ": storage type must be a torch storage class");
    }
    if (!(pid.get(2) instanceof String key) || !(pid.get(3) instanceof String location)
        || !(pid.get(4) instanceof Long numel) || numel < 0) {
      throw new UnsafeCheckpointException(where + ": storage id needs a string key, a string"
          + " location and a non-negative element count");
    }
    long bytes;
    try {
      bytes = Math.multiplyExact(numel, (long) type.elementSize());
    } catch (ArithmeticException e) {
      throw new UnsafeCheckpointException(where + ": storage '" + key + "' declares " + numel
          + " elements of " + type.torchDtype() + ", which overflows 64 bits");
    }
    PickledStorage storage = new PickledStorage(key, type, location, numel);
    PickledStorage known = byKey.get(key);
    if (known != null) {
      if (known.type() != type || known.numel() != numel) {
        throw new UnsafeCheckpointException(where + ": storage '" + key + "' declared as "
            + numel + " x " + type.torchDtype() + " but earlier as " + known.numel() + " x "
            + known.type().torchDtype());
      }
      return known;
    }
    if (byKey.size() >= limits.maxEntries()) {
      throw new UnsafeCheckpointException(where + ": more than " + limits.maxEntries()
          + " storages");
    }
    if (bytes > limits.maxTotalBytes() - totalBytes) {
      throw new UnsafeCheckpointException(where + ": storage '" + key + "' declares " + bytes
          + " bytes; with the storages before it this exceeds the cap of "
          + limits.maxTotalBytes() + " bytes");
    }
    if (entryCheck != null) {
      entryCheck.check(storage, where);
    }
    totalBytes += bytes;
    byKey.put(key, storage);
    return storage;
  }
}

package jdetr.checkpoint;

/**
 * Caps applied while reading a {@code torch.save} file, so that a hostile file cannot make the
 * reader allocate or inflate more than a real checkpoint needs.
 *
 * @param maxPickleBytes largest pickle stream accepted (the official DETR pickle is ~60 kB)
 * @param maxTotalBytes  largest sum of declared entry / storage sizes (the official DETR-R101
 *                       checkpoint holds ~240 MB of storages; a training checkpoint with AdamW
 *                       moments about three times that)
 * @param maxTensorBytes largest single tensor after conversion (one direct buffer)
 * @param maxEntries     largest number of archive entries or storages
 */
public record CheckpointLimits(
    long maxPickleBytes, long maxTotalBytes, long maxTensorBytes, int maxEntries) {

  public CheckpointLimits {
    if (maxPickleBytes <= 0 || maxTotalBytes <= 0 || maxTensorBytes <= 0 || maxEntries <= 0) {
      throw new IllegalArgumentException("checkpoint limits must be positive");
    }
    if (maxTensorBytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("maxTensorBytes is capped by one direct buffer (2 GiB)");
    }
  }

  /** 64 MiB of pickle, 8 GiB of storages, 1 GiB per tensor, 100 000 entries. */
  public static CheckpointLimits defaults() {
    return new CheckpointLimits(64L << 20, 8L << 30, 1L << 30, 100_000);
  }
}

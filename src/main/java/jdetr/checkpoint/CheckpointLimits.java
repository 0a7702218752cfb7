package jdetr.checkpoint;

/**
 * Caps applied while reading a {@code torch.save} file, so that a hostile file cannot make the
 * reader allocate or inflate more than a real checkpoint needs.
 *
 * @param maxPickleBytes  largest pickle stream accepted (the pickle of the official DETR-R50
 *                        checkpoint is ~60 kB)
 * @param maxPickleValues largest number of values a pickle may push (about 20 per tensor)
 * @param maxTotalBytes   largest sum of declared entry / storage sizes (the official DETR-R101
 *                        checkpoint holds ~240 MB of storages; a training checkpoint with AdamW
 *                        moments about three times that)
 * @param maxTensorBytes  largest single tensor after conversion (one direct buffer)
 * @param maxEntries      largest number of archive entries or storages
 */
public record CheckpointLimits(long maxPickleBytes, long maxPickleValues, long maxTotalBytes,
    long maxTensorBytes, int maxEntries) {

  public CheckpointLimits {
    if (maxPickleBytes <= 0 || maxPickleValues <= 0 || maxTotalBytes <= 0 || maxTensorBytes <= 0
        || maxEntries <= 0) {
      throw new IllegalArgumentException("checkpoint limits must be positive");
    }
    if (maxTensorBytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("maxTensorBytes is capped by one direct buffer (2 GiB)");
    }
  }

  /** 16 MiB and 2 million values of pickle, 8 GiB of storages, 1 GiB per tensor, 100 000 entries. */
  public static CheckpointLimits defaults() {
    return new CheckpointLimits(16L << 20, 2_000_000, 8L << 30, 1L << 30, 100_000);
  }
}

package jdetr.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Where the elements of a checkpoint's storages are read from (a zip entry, a legacy section). */
interface StorageSource {

  /** Fills {@code dst} with the storage's bytes starting at element {@code firstElement}. */
  void read(PickledStorage storage, long firstElement, ByteBuffer dst) throws IOException;
}

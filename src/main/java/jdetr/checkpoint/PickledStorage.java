package jdetr.checkpoint;

/**
 * A typed storage named by a pickle's persistent id: its key in the archive ({@code data/<key>}, or
 * its place in the legacy file's storage list), element type, saved device and element count.
 */
public record PickledStorage(String key, TorchStorageType type, String location, long numel) {

  /** numel times the element size; the caller has checked it does not overflow. */
  public long byteSize() {
    return numel * type.elementSize();
  }
}
